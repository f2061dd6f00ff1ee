from django.core.management.base import BaseCommand

from povertyrelief.jobs import PURGE_EVERY, job_files_purge, job_files_purge_schedule, retention_days


class Command(BaseCommand):
    help = (
        "删除完成超过保留期（JOB_RESULT_RETENTION_DAYS，默认 7 天）的后台任务结果文件。"
        "任务进程每天自动运行一次；也可由 cron 调用。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="同时确保任务进程中已排好每日清理（数据库任务后端）",
        )

    def handle(self, *args, schedule=False, **options):
        purged = job_files_purge()
        self.stdout.write(f"已删除 {purged} 个过期的任务结果文件（保留 {retention_days()} 天）。")
        if schedule and job_files_purge_schedule(delay=PURGE_EVERY):
            self.stdout.write("已排定每日清理。")
