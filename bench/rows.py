"""PostgreSQL COPY text for the benchmark's bulk loader: one line per row, columns in the order of the
Django model's concrete fields, so the loader writes exactly the columns the ORM would.

``identity_columns`` is the one place that knows how identifying values are stored: ID numbers and
phones are encrypted at rest with a keyed blind index beside them (``jingfang.core.crypto``,
``jingfang.core.fields``), so it calls the same public ``encrypt`` / ``blind_index`` functions the
model fields call on save. If that storage changes, adapt that function only.
"""

import json

_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def cell(value) -> str:
    """One value in COPY text format."""
    if type(value) is str:
        return value.translate(_ESC) if ("\\" in value or "\t" in value or "\n" in value or "\r" in value) else value
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESC)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False).translate(_ESC)
    return str(value)  # int, date (ISO), datetime (ISO with offset)


def columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def attnames(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


class Table:
    """The COPY target for one model: checks that every row fills exactly the model's columns."""

    def __init__(self, model):
        self.model = model
        self.name = model._meta.db_table
        self.attnames = attnames(model)
        self.columns = columns(model)
        self._wanted = set(self.attnames)

    def check(self, row: dict) -> None:
        got = set(row)
        if got != self._wanted:
            missing, extra = sorted(self._wanted - got), sorted(got - self._wanted)
            raise RuntimeError(
                f"{self.name}: the loader's row does not match the model (missing {missing}, extra {extra}); "
                "adapt bench/people.py or rows.identity_columns to the model"
            )

    def line(self, row: dict) -> str:
        return "\t".join([cell(row[a]) for a in self.attnames]) + "\n"

    def template(self, constant: dict, slots: tuple[str, ...]) -> str:
        """A str.format template: constant columns pre-escaped, ``slots`` left as {name} (callers pass
        values already in COPY text form)."""
        self.check({**constant, **dict.fromkeys(slots)})
        parts = []
        for a in self.attnames:
            if a in slots:
                parts.append("{" + a + "}")
            else:
                parts.append(cell(constant[a]).replace("{", "{{").replace("}", "}}"))
        return "\t".join(parts) + "\n"


_IDENTITY: dict = {}


def identity_columns(model, row: dict) -> dict:
    """Store identifying values as the ORM would (see the module docstring). ``row`` holds the plain
    values under the model's field names (patient: id_number, phone, village_contact_phone; guardian:
    phone); returns the row with those columns as stored: encrypted by ``core.crypto.encrypt`` and
    with each blind index (``core.crypto.blind_index`` of its source's plain value) filled in."""
    fields = _IDENTITY.get(model)
    if fields is None:
        try:
            from jingfang.core.fields import encrypted_fields, index_fields
        except ImportError:  # identifiers stored in plain text
            fields = ((), ())
        else:
            fields = (tuple(index_fields(model)), tuple(encrypted_fields(model)))
        _IDENTITY[model] = fields
    if fields[0] or fields[1]:
        from jingfang.core import crypto

        for f in fields[0]:
            row[f.attname] = crypto.blind_index(row[f.source], f.purpose)
        for f in fields[1]:
            row[f.attname] = crypto.encrypt(row[f.attname])
    return row


def copy_text(cursor, table: Table, text: str) -> None:
    if not text:
        return
    cols = ", ".join(f'"{c}"' for c in table.columns)
    with cursor.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
        copy.write(text)
