import getpass
import sys

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from povertyrelief.models import ROLE_AREA_LEVEL, Role, User
from villages.models import Area


class Command(BaseCommand):
    help = "新建系统用户（管理员用）。首次登录须修改密码。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--area", required=True, help="12位区划代码")
        parser.add_argument("--name", default="", help="姓名")
        parser.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")

    def handle(self, *args, username, role, area, name, password_stdin, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"用户名 {username} 已存在。")
        area_obj = Area.objects.filter(code=area).first()
        if area_obj is None:
            raise CommandError(f"区划代码 {area} 不存在。")
        if ROLE_AREA_LEVEL[Role(role)] != area_obj.level:
            raise CommandError(f"角色 {Role(role).label} 须对应{ROLE_AREA_LEVEL[Role(role)]}级区划，{area_obj.name} 是{area_obj.get_level_display()}。")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("密码：")
            if password != getpass.getpass("再次输入密码："):
                raise CommandError("两次输入的密码不一致。")
        user = User(username=username, role=role, area=area_obj, last_name=name[:1], first_name=name[1:])
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("密码不符合要求：" + "；".join(exc.messages)) from None
        user.set_password(password)
        user.must_change_password = True
        user.save()
        self.stdout.write(self.style.SUCCESS(f"已创建用户 {username}（{Role(role).label}，{area_obj.name}），首次登录须修改密码。"))
