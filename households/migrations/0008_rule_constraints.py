# Rules the forms and services repeated, kept by the database: standard lines and coefficients in range; member rules reported on their field.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0007_monitoring_procedure'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='annualstandard',
            constraint=models.CheckConstraint(condition=models.Q(('monitoring_line__isnull', True), ('monitoring_line__gte', models.F('poverty_line')), _connector='OR'), name='households_annualstandard_monitoring_line_gte_poverty', violation_error_code='monitoring_line', violation_error_message='监测标准不应低于同年度扶贫标准。'),
        ),
        migrations.AddConstraint(
            model_name='annualstandard',
            constraint=models.CheckConstraint(condition=models.Q(('grain_cost_rate__gte', 0), ('grain_cost_rate__lte', 1)), name='households_annualstandard_grain_cost_rate_0_to_1', violation_error_code='grain_cost_rate', violation_error_message='粮食生产成本系数应在0到1之间（如0.40表示40%%）。'),
        ),
        migrations.AddConstraint(
            model_name='annualstandard',
            constraint=models.CheckConstraint(condition=models.Q(('cash_crop_cost_rate__gte', 0), ('cash_crop_cost_rate__lte', 1)), name='households_annualstandard_cash_crop_cost_rate_0_to_1', violation_error_code='cash_crop_cost_rate', violation_error_message='经济作物成本系数应在0到1之间（如0.40表示40%%）。'),
        ),
        migrations.AddConstraint(
            model_name='annualstandard',
            constraint=models.CheckConstraint(condition=models.Q(('livestock_cost_rate__gte', 0), ('livestock_cost_rate__lte', 1)), name='households_annualstandard_livestock_cost_rate_0_to_1', violation_error_code='livestock_cost_rate', violation_error_message='畜禽养殖成本系数应在0到1之间（如0.40表示40%%）。'),
        ),
        migrations.AddConstraint(
            model_name='annualstandard',
            constraint=models.CheckConstraint(condition=models.Q(('forestry_fruit_cost_rate__gte', 0), ('forestry_fruit_cost_rate__lte', 1)), name='households_annualstandard_forestry_fruit_cost_rate_0_to_1', violation_error_code='forestry_fruit_cost_rate', violation_error_message='林果成本系数应在0到1之间（如0.40表示40%%）。'),
        ),
        migrations.AddConstraint(
            model_name='annualstandard',
            constraint=models.CheckConstraint(condition=models.Q(('other_cost_rate__gte', 0), ('other_cost_rate__lte', 1)), name='households_annualstandard_other_cost_rate_0_to_1', violation_error_code='other_cost_rate', violation_error_message='其他生产成本系数应在0到1之间（如0.40表示40%%）。'),
        ),
        migrations.AlterConstraint(
            model_name='member',
            name='households_member_work_months_max_12',
            constraint=models.CheckConstraint(condition=models.Q(('work_months__isnull', True), ('work_months__lte', 12), _connector='OR'), name='households_member_work_months_max_12', violation_error_code='work_months', violation_error_message='务工时间为0到12个月。'),
        ),
        migrations.AlterConstraint(
            model_name='member',
            name='households_member_grade_only_if_disabled',
            constraint=models.CheckConstraint(condition=models.Q(('disability_grade', ''), ('health', '残疾'), _connector='OR'), name='households_member_grade_only_if_disabled', violation_error_code='disability_grade', violation_error_message='只有健康状况为“残疾”时才能填写残疾等级。'),
        ),
    ]
