"""`jingfang demo`: load a synthetic, clearly fictional county (示范县) with patients and demo logins.

Only into an empty system: when any patient exists it refuses and writes nothing.
  --if-empty   load only when there are no regions and no patients; otherwise do nothing, silently
  --logins     only print the demo logins
"""

from django.core.management.base import BaseCommand, CommandError

from jingfang.accounts.models import User
from jingfang.demo.accounts import DEMO_USERS, print_logins
from jingfang.demo.generate import DEFAULT_PATIENTS, DEFAULT_SEED, generate
from jingfang.regions.models import Region
from jingfang.registry.models import Patient

MAX_PATIENTS = 50_000


class Command(BaseCommand):
    help = "生成演示数据（虚构的示范县、患者和演示账号），只能载入没有患者数据的系统"

    def add_arguments(self, parser):
        parser.add_argument(
            "--patients", type=int, default=DEFAULT_PATIENTS, help=f"患者人数（默认{DEFAULT_PATIENTS}）"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子（相同种子生成相同数据）")
        parser.add_argument(
            "--if-empty", action="store_true", help="仅当系统中没有行政区划和患者时生成，否则静默跳过"
        )
        parser.add_argument("--logins", action="store_true", help="只显示演示账号")

    def handle(self, *args, **options):
        if options["logins"]:
            print_logins(self.stdout)
            return
        count = options["patients"]
        if not 1 <= count <= MAX_PATIENTS:
            raise CommandError(f"患者人数应在1到{MAX_PATIENTS}之间")
        if options["if_empty"]:
            if Region.objects.exists() or Patient.objects.exists():
                if User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).exists():
                    print_logins(self.stdout)
                return
        elif Patient.objects.exists():
            self.stdout.write(
                self.style.WARNING("系统中已有患者数据，未生成演示数据（演示数据只能载入没有患者的系统）。")
            )
            return

        summary = generate(patients=count, seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已生成：行政区划{summary.regions}个（乡镇{summary.townships}个、"
                f"村（社区）{summary.villages}个，常住人口{summary.population:,}人），"
                f"患者{summary.patients}人（重点人员{summary.key_persons}人，"
                f"报告患病率{summary.patients * 1000 / summary.population:.2f}‰），随访记录{summary.followups}条。"
            )
        )
        a = summary.activity
        if a.get("care_teams") is not None:
            self.stdout.write(
                f"关爱帮扶小组{a['care_teams']}个，已签订监护协议{a['agreements_signed']}份，待遇{a['benefits']}条，"
                f"会议{a['meetings']}次，一人一策{a.get('plans', 0)}份，以奖代补批次{a['reward_runs']}个，"
                f"住院救助申请{a['relief_applications']}件。"
            )
        if summary.users_skipped:
            self.stdout.write(
                self.style.WARNING(
                    f"以下用户名已存在，未作修改（其密码不一定是演示密码）：{'、'.join(summary.users_skipped)}"
                )
            )
        print_logins(self.stdout)
