"""`jingfang create_user USERNAME --role ROLE --region CODE --password P [--name 姓名] [--phone ...]`.

Creates one user bound to one region. Nobody created here is a superuser; the three administrators
(admin, security_admin, audit_admin) get is_staff so they can use the Django admin. The operator at the
console is trusted with the server: this is how the first security administrator is made, and the
creation is audited with the role and region (user "console"). When --password is omitted on a terminal, it is asked for
(keeps it out of the shell history).
"""

import getpass
import re
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import translation

from jingfang.accounts import roles
from jingfang.audit.log import record
from jingfang.regions.models import Region

_PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")


def _roles_list() -> str:
    return "；".join(f"{code}（{label}）" for code, label in roles.ROLE_LABELS.items())


def _password_messages(exc: ValidationError) -> list[str]:
    """The validators' messages; Django's zh-hans catalogue lacks the minimum-length one."""
    out = []
    for error in exc.error_list:
        if error.code == "password_too_short" and error.params:
            out.append(f"密码太短，至少需要{error.params['min_length']}个字符。")
        else:
            out.extend(error.messages)
    return out


class Command(BaseCommand):
    help = "创建一个用户：指定角色和所属区划（用户只能看到所属区划内的数据）"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("--role", required=True, help=f"角色，可选：{', '.join(roles.ROLES)}")
        parser.add_argument("--region", required=True, help="所属区划的12位代码")
        parser.add_argument("--password", help="密码（省略时在终端中输入）")
        parser.add_argument("--name", default="", help="姓名")
        parser.add_argument("--phone", default="", help="联系电话")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            self._create(options)

    def _create(self, options):
        User = get_user_model()
        username = options["username"].strip()
        role = options["role"].strip()
        code = options["region"].strip()
        name = options["name"].strip()
        phone = options["phone"].strip()

        if not username:
            raise CommandError("用户名不能为空")
        try:
            User.username_validator(username)
        except ValidationError as exc:
            raise CommandError(f"用户名“{username}”无效：{'；'.join(exc.messages)}") from None
        if len(username) > 150:
            raise CommandError("用户名不能超过150个字符")
        if role not in roles.ROLES:
            raise CommandError(f"角色“{role}”无效。可选角色：{_roles_list()}")
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise CommandError(f"区划“{code}”不存在，请先用 load_regions 导入行政区划")
        if len(name) > 150:
            raise CommandError("姓名不能超过150个字符")
        if phone and not _PHONE.match(phone):
            raise CommandError(f"联系电话“{phone}”格式不正确")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"用户名“{username}”已存在，请换一个用户名")

        password = options["password"]
        if password is None:
            password = self._ask_password()
        user = User(username=username, role=role, region=region, first_name=name, phone=phone)
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise CommandError("密码不符合要求：\n" + "\n".join(_password_messages(exc))) from None

        user.set_password(password)
        user.is_staff = roles.is_admin_role(role)
        user.is_superuser = False
        try:
            with transaction.atomic():
                user.save()
                record(
                    None,
                    "admin",
                    target=f"create_user:{username}",
                    detail={"role": role, "region": code},
                    username="console",
                )
        except IntegrityError:
            raise CommandError(f"用户名“{username}”已存在，请换一个用户名") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已创建用户“{username}”：角色 {roles.label(role)}，所属区划 {region.name}（{region.code}）"
            )
        )

    def _ask_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError("请用 --password 指定密码（非交互环境无法输入密码）")
        first = getpass.getpass("密码：")
        second = getpass.getpass("再次输入密码：")
        if first != second:
            raise CommandError("两次输入的密码不一致")
        return first
