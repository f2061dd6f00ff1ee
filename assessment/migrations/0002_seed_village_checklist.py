"""The village exit checklist as the province's 贫困村退出 rules list it;
county administrators may add to it or switch items off."""

from django.db import migrations

ITEMS = [
    ("通硬化路", "建制村通硬化路"),
    ("通动力电", "动力电覆盖率 100%"),
    ("安全饮水", "农村集中供水或分散供水达到安全饮水标准"),
    ("标准化村卫生室", "有标准化村卫生室和合格村医"),
    ("集体经济收入 ≥ 2 万元", "村集体经济年收入不低于 2 万元"),
]


def seed(apps, schema_editor):
    Item = apps.get_model("assessment", "VillageChecklistItem")
    for order, (name, description) in enumerate(ITEMS, start=1):
        Item.objects.get_or_create(name=name, defaults={"description": description, "sort_order": order * 10})


def unseed(apps, schema_editor):
    apps.get_model("assessment", "VillageChecklistItem").objects.filter(name__in=[n for n, _ in ITEMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_exit_procedure")]
    operations = [migrations.RunPython(seed, unseed)]
