from django.core.management.base import BaseCommand, CommandError

from povertyrelief import bench


class Command(BaseCommand):
    help = (
        "性能基准：数据库为空时先生成演示县（默认 150000 户），然后测量贫困户列表、详情页和 Django admin 的服务器耗时。"
        "请在单独的基准数据库上运行（make bench 默认使用 var/bench.sqlite3）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=bench.DEFAULT_HOUSEHOLDS, help="贫困户数量（默认 150000）")
        parser.add_argument("--repeat", type=int, default=bench.DEFAULT_REPEAT, help="每项计时次数（默认 30）")
        parser.add_argument("--warmup", type=int, default=bench.DEFAULT_WARMUP, help="计时前的预热次数（默认 3）")
        parser.add_argument("--seed", type=int, default=2020, help="生成演示数据的随机种子")
        parser.add_argument(
            "--only", action="append", metavar="NAME", choices=[b.name for b in bench.BENCHMARKS],
            help="只运行指定的基准测试（可重复）：" + "、".join(b.name for b in bench.BENCHMARKS),
        )

    def handle(self, *args, households, repeat, warmup, seed, only, **options):
        if households < 1 or repeat < 1 or warmup < 0:
            raise CommandError("--households 和 --repeat 须为正整数，--warmup 不能为负数。")
        try:
            bench.run(households=households, repeat=repeat, warmup=warmup, only=only, seed=seed, out=self.stdout.write)
        except bench.BenchError as exc:
            raise CommandError(str(exc)) from exc
