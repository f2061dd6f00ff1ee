from django.core.management.base import BaseCommand, CommandError

from povertyrelief.demo import seed_demo, write_accounts_file


class Command(BaseCommand):
    help = "生成演示县（区划、驻村工作队、演示账户及业务数据），只能写入空数据库。"

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=15000, help="贫困户数量（默认 15000）")
        parser.add_argument("--seed", type=int, default=2020, help="随机种子（同一种子生成同样的数据）")
        parser.add_argument("--if-empty", action="store_true", help="数据库已有数据时跳过而不报错")
        parser.add_argument("--force", action="store_true", help="DEBUG 关闭（生产环境）时仍然生成演示数据")
        parser.add_argument(
            "--no-showcase", action="store_true", help="不生成展示用数据（违反数据质量规则的示例记录、年度目标）"
        )

    def handle(self, *args, households: int, seed: int, if_empty: bool, force: bool = False, no_showcase: bool = False, **options):
        from django.conf import settings

        from villages.models import Area

        if not settings.DEBUG and not force:
            # Demo accounts share one known password: never in production by accident.
            raise CommandError(
                "DEBUG 未开启（生产环境），拒绝生成演示数据：演示账户使用公开的统一密码。"
                "开发环境请设置 DEBUG=1（make run 已设置）；确需在此环境生成请加 --force。"
            )
        if Area.objects.exists():
            if if_empty:
                self.stdout.write("数据库已有数据，跳过演示数据生成。")
                return
            raise CommandError("数据库中已有区划数据，演示数据只能写入空数据库。")
        demo = seed_demo(households=households, seed=seed, log=self.stdout.write, showcase=not no_showcase)
        path = write_accounts_file(demo)
        self.stdout.write(self.style.SUCCESS(f"演示数据已生成；演示账户写入 {path}"))
