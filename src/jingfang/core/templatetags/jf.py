from django import template

from jingfang.core import masking, vocab

register = template.Library()


@register.filter
def mask_id(value):
    return masking.mask_id_number(value)


@register.filter
def mask_phone(value):
    return masking.mask_phone(value)


@register.filter
def vlabel(value, table):
    """Label of a coded value: {{ code|vlabel:"SYMPTOMS" }}; lists are joined with 、."""
    mapping = getattr(vocab, table, {})
    if isinstance(value, list | tuple):
        return "、".join(str(mapping.get(v, v)) for v in value) or "—"
    return mapping.get(value, value) if value not in (None, "") else "—"


@register.filter
def acts(value):
    """Past dangerous acts {code: count} -> '肇事1次、自伤2次' or '无'."""
    if not value:
        return "无"
    return "、".join(f"{vocab.DANGEROUS_ACTS.get(k, k)}{n}次" for k, n in value.items() if n) or "无"


@register.filter
def person(user):
    """A user's display name, or — when there is none (e.g. written by a console command)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.filter
def getfield(form, name):
    """A bound field by name: {% with f=form|getfield:"risk_level" %}."""
    return form[name]


@register.simple_tag
def region_options(regions, selected="") -> str:
    """The <option>s of a township/village picker (villages indented), the selected code marked.
    Built in Python: a county's picker lists a few hundred regions."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    from jingfang.regions import codes

    return mark_safe("".join(
        f'<option value="{escape(r.code)}" {"selected" if r.code == selected else ""}>'
        f'{"　" if r.level == codes.VILLAGE else ""}{escape(r.name)}</option>'
        for r in regions))


@register.filter
def sentence(value):
    """Free text ended by one full stop: '同意推荐' and '同意推荐。' both print '同意推荐。'."""
    text = str(value or "").rstrip()
    return text if not text or text.endswith(("。", "！", "？", ".", "!", "?")) else f"{text}。"
