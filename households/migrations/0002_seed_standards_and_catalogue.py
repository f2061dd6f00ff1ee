"""Seed the per-year lines (2020 poverty line 4000 元, 2021 monitoring line
6000 元, per the domain rules) and the measure catalogue. Both stay editable
by county administrators."""

from decimal import Decimal

from django.db import migrations

# National poverty line by year (2010 constant prices, adjusted yearly) and,
# from 2021, the provincial monitoring line. Later years are the county's
# starting point; administrators correct them from the provincial notice.
LINES = {
    2014: ("2800", None), 2015: ("2855", None), 2016: ("3000", None), 2017: ("3335", None),
    2018: ("3535", None), 2019: ("3747", None), 2020: ("4000", None), 2021: ("4100", "6000"),
    2022: ("4200", "6300"), 2023: ("4300", "6600"), 2024: ("4400", "6900"), 2025: ("4500", "7200"),
    2026: ("4600", "7500"),
}

CATALOGUE = {
    "产业扶贫": ["种植", "养殖", "加工", "乡村旅游", "入股分红", "加入合作社"],
    "就业扶贫": ["务工", "公益岗位"],
    "易地扶贫搬迁": ["易地扶贫搬迁"],
    "教育扶贫": ["营养餐", "雨露计划", "助学补助", "助学贷款", "技能培训"],
    "健康扶贫": ["医保参保资助", "大病保险", "医疗救助", "家庭医生签约"],
    "危房改造": ["危房改造"],
    "金融扶贫": ["小额信贷", "贴息", "农业保险"],
    "生态扶贫": ["生态补偿", "退耕还林", "生态护林员"],
    "综合保障": ["低保", "特困供养", "临时救助", "养老保险"],
    "生活条件改善": ["入户路", "安全饮水", "卫生厕所"],
    "扶志教育": ["扶志教育"],
    "其他": ["其他"],
}


def seed(apps, schema_editor):
    AnnualStandard = apps.get_model("households", "AnnualStandard")
    MeasureCategory = apps.get_model("households", "MeasureCategory")
    for year, (line, monitoring) in LINES.items():
        AnnualStandard.objects.get_or_create(
            year=year, province="陕西省",
            defaults={"poverty_line": Decimal(line), "monitoring_line": Decimal(monitoring) if monitoring else None},
        )
    order = 0
    for group, names in CATALOGUE.items():
        for name in names:
            order += 10
            MeasureCategory.objects.get_or_create(group=group, name=name, defaults={"sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
