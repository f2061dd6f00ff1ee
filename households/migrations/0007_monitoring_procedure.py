"""Monitoring becomes a procedure (signal, steps, deadline from the first
signal); households record whether they are 建档立卡, the poverty record
being required only for those; the village-exit incidence threshold joins
the per-year settings."""

from datetime import timedelta
from decimal import Decimal

from django.db import migrations, models

from households.township import create_township_triggers, drop_township_triggers


def _sqlite_triggers(create: bool):
    """SQLite rebuilds households_household below; the township triggers
    (one of them on villages_area, naming this table) must be out of the way
    meanwhile, else the rebuild's rename fails. PostgreSQL alters in place."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            (create_township_triggers if create else drop_township_triggers)(schema_editor, "sqlite")

    return run


def existing_cases_are_identified(apps, schema_editor):
    """Cases recorded before the procedure existed were identified on their
    风险识别时间: that is their first signal and their decision, on time."""
    Monitoring = apps.get_model("households", "Monitoring")
    AnnualStandard = apps.get_model("households", "AnnualStandard")
    deadlines = {}
    for standard in AnnualStandard.objects.order_by("year"):
        deadlines.setdefault(standard.year, standard.monitoring_deadline_days)
    for case in Monitoring.objects.all().iterator():
        day = case.risk_identified_date
        case.signal_date = day
        case.due_date = day + timedelta(days=deadlines.get(day.year, 15))
        case.decided_on = day
        case.stage = "identified"
        case.stage_date = case.risk_eliminated_date or day
        case.save(update_fields=["signal_date", "due_date", "decided_on", "stage", "stage_date"])


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0006_search_indexes'),
        ('villages', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(_sqlite_triggers(create=False), _sqlite_triggers(create=True)),
        migrations.AlterModelOptions(
            name='monitoring',
            options={'ordering': ['household', '-signal_date'], 'verbose_name': '防返贫监测', 'verbose_name_plural': '防返贫监测'},
        ),
        migrations.RemoveConstraint(
            model_name='household',
            name='households_household_identified_from_2013',
        ),
        migrations.RemoveConstraint(
            model_name='household',
            name='households_household_causes_distinct',
        ),
        migrations.RemoveConstraint(
            model_name='household',
            name='households_household_status_valid',
        ),
        migrations.RemoveConstraint(
            model_name='monitoring',
            name='households_monitoring_one_open_case',
        ),
        migrations.AddField(
            model_name='annualstandard',
            name='village_exit_max_rate',
            field=models.DecimalField(decimal_places=2, default=Decimal('3.00'), help_text='贫困发生率低于该值方可退出：一般为2%，西部省份3%', max_digits=4, verbose_name='贫困村退出贫困发生率上限(%)'),
        ),
        migrations.AddField(
            model_name='household',
            name='registered',
            field=models.BooleanField(default=True, help_text='不勾选：非建档立卡的农村户（如边缘易致贫户、突发严重困难户），只作为防返贫监测对象登记', verbose_name='建档立卡户'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='checked_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='入户核查日期'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='decided_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='县级审定日期'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='due_date',
            field=models.DateField(editable=False, null=True, verbose_name='识别时限'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='publicity_end',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='公示结束日期'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='publicity_start',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='公示开始日期'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='return_reason',
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name='退回原因'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='returned_to_poverty',
            field=models.BooleanField(default=False, editable=False, verbose_name='认定返贫'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='reviewed_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='民主评议日期'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='signal_date',
            field=models.DateField(help_text='农户申报、干部排查或部门预警首次发现风险的日期；识别须在规定天数内完成', null=True, verbose_name='首次风险信号日期'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='signal_kind',
            field=models.CharField(choices=[('农户申报', '农户申报'), ('干部排查', '干部排查'), ('部门预警', '部门预警'), ('其他', '其他')], default='其他', max_length=6, verbose_name='信号来源'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='stage',
            field=models.CharField(choices=[('signalled', '风险预警'), ('checked', '入户核查'), ('reviewed', '民主评议'), ('publicity', '村级公示'), ('publicized', '公示期满'), ('township_approved', '乡镇审核'), ('identified', '县级审定（纳入监测）'), ('not_identified', '县级审定（不予纳入）')], default='signalled', editable=False, max_length=20, verbose_name='识别环节'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='stage_date',
            field=models.DateField(editable=False, null=True, verbose_name='环节日期'),
        ),
        migrations.AddField(
            model_name='monitoring',
            name='township_approved_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='乡镇审核日期'),
        ),
        migrations.AlterField(
            model_name='household',
            name='attribute',
            field=models.CharField(blank=True, choices=[('一般贫困户', '一般贫困户'), ('低保贫困户', '低保贫困户'), ('特困供养贫困户', '特困供养贫困户')], max_length=10, verbose_name='贫困户属性'),
        ),
        migrations.AlterField(
            model_name='household',
            name='identification_year',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='识别年度'),
        ),
        migrations.AlterField(
            model_name='household',
            name='main_cause',
            field=models.CharField(blank=True, choices=[('因病', '因病'), ('因残', '因残'), ('因学', '因学'), ('因灾', '因灾'), ('缺土地', '缺土地'), ('缺水', '缺水'), ('缺技术', '缺技术'), ('缺劳力', '缺劳力'), ('缺资金', '缺资金'), ('交通条件落后', '交通条件落后'), ('自身发展动力不足', '自身发展动力不足'), ('其他', '其他')], max_length=10, verbose_name='主要致贫原因'),
        ),
        migrations.AlterField(
            model_name='household',
            name='status',
            field=models.CharField(blank=True, choices=[('0', '未脱贫'), ('1', '已脱贫(享受政策)'), ('3', '返贫'), ('4', '已脱贫(不再享受政策)')], default='0', max_length=1, verbose_name='脱贫状态'),
        ),
        migrations.AlterField(
            model_name='monitoring',
            name='risk_identified_date',
            field=models.DateField(blank=True, editable=False, help_text='县级审定纳入监测的日期', null=True, verbose_name='风险识别时间'),
        ),
        migrations.RunPython(existing_cases_are_identified, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='monitoring',
            name='due_date',
            field=models.DateField(editable=False, verbose_name='识别时限'),
        ),
        migrations.AlterField(
            model_name='monitoring',
            name='signal_date',
            field=models.DateField(help_text='农户申报、干部排查或部门预警首次发现风险的日期；识别须在规定天数内完成', verbose_name='首次风险信号日期'),
        ),
        migrations.AlterField(
            model_name='monitoring',
            name='stage_date',
            field=models.DateField(editable=False, verbose_name='环节日期'),
        ),
        migrations.AddIndex(
            model_name='monitoring',
            index=models.Index(fields=['due_date', 'decided_on'], name='monitoring_due_decided'),
        ),
        migrations.AddConstraint(
            model_name='household',
            constraint=models.CheckConstraint(condition=models.Q(('identification_year__isnull', True), ('identification_year__gte', 2013), _connector='OR'), name='households_household_identified_from_2013', violation_error_message='识别年度不能早于2013年。'),
        ),
        migrations.AddConstraint(
            model_name='household',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('other_cause_1', ''), models.Q(('other_cause_1', models.F('main_cause')), _negated=True), _connector='OR'), models.Q(('other_cause_2', ''), models.Q(models.Q(('other_cause_2', models.F('main_cause')), _negated=True), models.Q(('other_cause_2', models.F('other_cause_1')), _negated=True)), _connector='OR')), name='households_household_causes_distinct', violation_error_message='其他致贫原因不能与主要致贫原因相同，两项其他原因也不能相同。'),
        ),
        migrations.AddConstraint(
            model_name='household',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('registered', True), ('status__in', ['0', '1', '3', '4'])), models.Q(('exit_year__isnull', True), ('registered', False), ('status', '')), _connector='OR'), name='households_household_status_valid', violation_error_message='脱贫状态无效：建档立卡户须有脱贫状态，非建档立卡户没有脱贫状态和脱贫年度。'),
        ),
        migrations.AddConstraint(
            model_name='household',
            constraint=models.CheckConstraint(condition=models.Q(('registered', False), models.Q(('identification_year__isnull', False), models.Q(('attribute', ''), _negated=True), models.Q(('main_cause', ''), _negated=True)), _connector='OR'), name='households_household_registered_has_poverty_record', violation_error_message='建档立卡户须填写识别年度、贫困户属性和主要致贫原因。'),
        ),
        migrations.AddConstraint(
            model_name='monitoring',
            constraint=models.UniqueConstraint(condition=models.Q(('risk_eliminated', False), models.Q(('stage', 'not_identified'), _negated=True)), fields=('household',), name='households_monitoring_one_open_case', violation_error_message='该户已有未消除风险的监测记录。'),
        ),
        migrations.AddConstraint(
            model_name='monitoring',
            constraint=models.CheckConstraint(condition=models.Q(('risk_eliminated', False), ('stage', 'identified'), _connector='OR'), name='households_monitoring_eliminated_only_when_identified', violation_error_message='只有经县级审定纳入监测的对象才能标注风险消除。'),
        ),
        migrations.AddConstraint(
            model_name='monitoring',
            constraint=models.CheckConstraint(condition=models.Q(('decided_on__isnull', True), ('decided_on__gte', models.F('signal_date')), _connector='OR'), name='households_monitoring_decided_after_signal', violation_error_message='县级审定日期不能早于首次风险信号日期。'),
        ),
        migrations.AddConstraint(
            model_name='monitoring',
            constraint=models.CheckConstraint(condition=models.Q(('due_date__gte', models.F('signal_date'))), name='households_monitoring_due_after_signal', violation_error_message='识别时限不能早于首次风险信号日期。'),
        ),
        migrations.AddConstraint(
            model_name='monitoring',
            constraint=models.CheckConstraint(condition=models.Q(('stage__in', ['signalled', 'checked', 'reviewed', 'publicity', 'publicized', 'township_approved', 'identified', 'not_identified'])), name='households_monitoring_stage_valid', violation_error_message='识别环节无效。'),
        ),
        migrations.RunPython(_sqlite_triggers(create=True), _sqlite_triggers(create=False)),
    ]
