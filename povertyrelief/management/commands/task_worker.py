from django_tasks_db.management.commands import db_worker

from povertyrelief.health import worker_heartbeat_record, worker_heartbeat_schedule
from povertyrelief.jobs import job_files_purge_schedule


class Command(db_worker.Command):
    help = (
        "运行后台任务进程（即 db_worker，参数相同）。启动时记录心跳（/healthz 查看），"
        "并确保心跳任务和每日清理过期任务结果文件已排定。"
    )

    def handle(self, *args, **options):
        worker_heartbeat_record()
        worker_heartbeat_schedule()
        job_files_purge_schedule()
        super().handle(*args, **options)
