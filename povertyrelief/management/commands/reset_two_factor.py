from django.core.management.base import BaseCommand, CommandError

from povertyrelief.models import User
from povertyrelief.two_factor import remove_two_factor


class Command(BaseCommand):
    help = "重置用户的两步验证（手机丢失且没有其他县级管理员可在页面上重置时使用；记入审计日志）。"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在。")
        if not remove_two_factor(actor=None, target=user):
            self.stdout.write(f"{user} 尚未启用两步验证，无需重置。")
            return
        self.stdout.write(self.style.SUCCESS(f"已重置 {user} 的两步验证，对方下次登录时须重新设置。"))
