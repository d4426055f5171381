"""Words of the accountability area: the kinds of measure, the units a measure may target, their cites."""

from jingfang.accounts import roles
from jingfang.regions import codes

QIYUNSHAN = "《齐云山镇严重精神障碍患者服务管理提质增效专项行动实施方案》（2024）"
PINGQIAO = "《关于进一步加强严重精神障碍患者管理救助工作实施方案》（平桥区，2025）"

# kind -> label; the documents that provide each kind
KINDS = {
    "notice": "通报",
    "interview": "约谈",
    "supervision": "挂牌督办",
    "liability": "责任追究",
}
KIND_CITES = {
    "notice": "齐云山镇2024，四、3；平桥区2025，三（四）",
    "interview": "齐云山镇2024，四、3；平桥区2025，三（四）",
    "supervision": "平桥区2025，三（四）",
    "liability": "齐云山镇2024，四、3；平桥区2025，三（四）",
}
CITE = ("对服务管理不力、安全隐患较多的村和单位，采取通报、约谈等措施督促整改；对发生肇事肇祸极端事件的，一律进行倒查，"
        "依法依规依纪严肃追究责任（齐云山镇2024，四、3）。导致发生肇事肇祸重大恶性案事件的地方和单位，通过通报、约谈、"
        "挂牌督办等方式进行责任督导和追究（平桥区2025，三（四））。")
CONSULTATION_CITE = ("镇委政法委、镇卫生健康委、镇派出所共同牵头，实行每季度联合会商调度机制，分析工作形势，找准问题短板和"
                     "薄弱环节，明确整改举措和要求（齐云山镇2024，四、2）。")

STATES = {"open": "整改中", "overdue": "已逾期", "closed": "已销号", "closed_late": "逾期销号"}


# unit -> (label, level of the target region, roles whose users at that region are the unit)
UNITS: dict[str, tuple[str, int, frozenset[str]]] = {
    "village_committee": ("村（居）委会", codes.VILLAGE, frozenset({roles.VILLAGE_CADRE})),
    "village_clinic": ("村卫生室", codes.VILLAGE, frozenset({roles.VILLAGE_DOCTOR})),
    "township_government": ("乡镇人民政府（街道办事处）", codes.TOWNSHIP, frozenset({roles.TOWNSHIP_OFFICE})),
    "health_centre": ("乡镇卫生院（社区卫生服务中心）", codes.TOWNSHIP, frozenset({roles.TOWNSHIP_DOCTOR})),
    "police_station": ("派出所", codes.TOWNSHIP, frozenset({roles.POLICE})),
    "civil_affairs": ("民政所", codes.TOWNSHIP, frozenset({roles.CIVIL_AFFAIRS})),
    "dpf": ("残联", codes.TOWNSHIP, frozenset({roles.DPF})),
    "judicial": ("司法所", codes.TOWNSHIP, frozenset({roles.JUDICIAL})),
}
UNIT_LABELS = {k: v[0] for k, v in UNITS.items()}
# a target's default name: the region's name and this (青山镇 + 派出所)
UNIT_SUFFIX = {"village_committee": "", "village_clinic": "卫生室", "township_government": "人民政府",
               "health_centre": "卫生院", "police_station": "派出所", "civil_affairs": "民政所", "dpf": "残联",
               "judicial": "司法所"}


def unit_roles(unit: str) -> frozenset[str]:
    return UNITS[unit][2] if unit in UNITS else frozenset()
