"""`jingfang issue_totp_code USERNAME`: a one-time enrolment code the user needs to bind an authenticator.

For the first administrator (nobody can issue one in the Django admin yet) and for operators. The code
is printed once; only its hash is kept; it expires after JINGFANG_TOTP_ENROL_CODE_HOURS; issuing a new
one ends the user's earlier unused code. Audited as issued on the console.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jingfang.accounts import otp
from jingfang.accounts.models import User


class Command(BaseCommand):
    help = "为用户签发一次性的动态口令绑定码（只显示一次）"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")

    def handle(self, *args, **options):
        username = options["username"].strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在")
        if not user.is_active:
            raise CommandError(f"用户“{username}”已停用")
        if otp.confirmed_device(user) is not None:
            raise CommandError(f"用户“{username}”已绑定动态口令：如需重新绑定，请先在系统管理中删除（重置）其动态口令设备")
        raw, code = otp.issue_enrolment_code(user, issued_by=None)
        hours = settings.JINGFANG_TOTP_ENROL_CODE_HOURS
        until = timezone.localtime(code.expires_at)
        self.stdout.write(f"用户“{username}”的动态口令绑定码（只显示这一次，{hours}小时内有效，至 {until:%Y-%m-%d %H:%M}）：")
        self.stdout.write(self.style.SUCCESS(raw))
        self.stdout.write("请当面或电话告知本人；用户登录后在“动态口令”页面输入此码再绑定验证器。")
