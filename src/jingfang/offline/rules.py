"""Plain rules of the offline app (no policy numbers: those are the profile's ``[offline]``)."""

MAX_ENTRIES = 100  # visits and roll calls in one sync request
DISMISS_REASON_MIN = 5
DISMISS_REASON_MAX = 200
CLIENT_ID_PATTERN = r"^[\x21-\x7e]{1,64}$"  # visible ASCII, e.g. a UUID made on the phone
# The patient's schedule kinds a package carries (the worklist's other work is not done on a visit).
PACKAGE_KINDS = ("followup", "face_to_face", "assessment", "health_check", "roll_call", "roll_call_alert")

HELD_MESSAGE = "该随访已暂存，未录入：将由乡镇卫生院精防人员审核处理，审核结果可在“审核结果”中查看。"
HELD_DECEASED = "患者已登记死亡（{date}）。"
UNKNOWN_PATIENT = "患者不存在"
ROLL_CALL_OUTSIDE = "该患者不在您当前的点名名单中，点名未录入。"


