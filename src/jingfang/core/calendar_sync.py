"""Copy the `chinese-calendar` package's holidays and 调休 working days into CalendarDay rows, so
that the calendar in force is a table an admin can read and extend (国务院办公厅每年的《关于部分节假日安排的通知》)."""

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def sync_from_package() -> int:
    """Insert the package's special days that the table lacks; never overwrite an admin's entry."""
    import chinese_calendar

    from .models import CalendarDay

    existing = set(CalendarDay.objects.values_list("date", flat=True))
    rows = []
    for table, is_workday in ((chinese_calendar.holidays, False), (chinese_calendar.workdays, True)):
        for day, name in table.items():
            if day in existing:
                continue
            # Weekend holidays need no row: Mon–Fri already says they are off.
            if not is_workday and day.weekday() >= 5:
                continue
            label = HOLIDAY_NAMES.get(str(name), str(name))
            rows.append(CalendarDay(date=day, is_workday=is_workday, name=label + ("调休上班" if is_workday else ""),
                                    source="package"))
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
