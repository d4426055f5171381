"""Model fields for identifiers encrypted at rest (core/crypto.py).

    id_number = EncryptedCharField("身份证号", max_length=18)
    id_number_index = BlindIndexField(source="id_number", purpose="id_number", unique=True)

- ``EncryptedCharField`` stores ``v1:<key id>:<…>`` in a text column and gives back the plain text
  (``patient.id_number``, ``values_list("id_number")`` and forms work as before). ``max_length``
  applies to the plain text.
- ``BlindIndexField`` is filled from its source on every insert and save (``save()``,
  ``bulk_create``); models with one derive from ``IndexedModel`` so that
  ``save(update_fields=["phone"])`` also writes ``phone_index``, and so that their ``QuerySet.update()``
  and ``bulk_update`` (which Django runs without ``pre_save``) fill it too; ``update()`` refuses an
  expression for an indexed field (``F("phone")``: its index cannot be computed in SQL).
- Lookups on an encrypted field go through its index: ``filter(id_number=n)``,
  ``filter(id_number__in=[…])``, ``filter(guardians__phone=p)`` compare the normalised value's
  blind index (trying the old index key too during a rotation); ``exact ""`` means no value.
  Any other lookup (``icontains``, ``startswith``, ranges) and ordering cannot work on ciphertext
  and is refused with an error naming the field.
- ``EncryptedJSONField`` holds a JSON value encrypted as a whole (e.g. a department's uploaded list);
  it cannot be queried.
"""

from __future__ import annotations

import json

from django.core.exceptions import EmptyResultSet, FieldError
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import IsNull, Lookup

from . import crypto


class BlindIndexLookup(Lookup):
    """``<encrypted field> = value`` / ``IN (values)`` compiled as a comparison of the blind index."""

    prepare_rhs = False

    def __init__(self, lhs, rhs):
        super().__init__(lhs, rhs)
        if not isinstance(lhs, Col):
            raise FieldError(f"加密字段只能直接按整值查询，不能用于表达式：{lhs!r}")
        if hasattr(rhs, "resolve_expression"):
            raise FieldError(f"加密字段 {_label(lhs.target)} 只能与给定的值比较，不能与其他列或子查询比较")
        if self.index_field is None:
            raise FieldError(f"加密字段 {_label(lhs.target)} 没有盲索引，不能用于查询")

    @property
    def index_field(self):
        return self.lhs.target.index_field

    def wanted(self) -> list[str]:
        return [self.rhs] if self.lookup_name == "exact" else list(self.rhs)

    def as_sql(self, compiler, connection):
        index = self.index_field
        col_sql, col_params = compiler.compile(index.get_col(self.lhs.alias))
        digests, blank = [], False
        for value in self.wanted():
            if value is None or str(value) == "":
                blank = True
            else:
                digests += crypto.blind_indexes(str(value), index.purpose)
        parts, params = [], []
        if digests:
            digests = list(dict.fromkeys(digests))
            parts.append(f"{col_sql} IN ({', '.join(['%s'] * len(digests))})")
            params += [*col_params, *digests]
        if blank:
            parts.append(f"{col_sql} IS NULL")
            params += col_params
        if not parts:
            raise EmptyResultSet
        return (parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"), params


class IndexedExact(BlindIndexLookup):
    lookup_name = "exact"


class IndexedIn(BlindIndexLookup):
    lookup_name = "in"


def _label(field) -> str:
    model = getattr(field, "model", None)
    return f"{model.__name__}.{field.name}" if model is not None else field.name


class EncryptedCharField(models.CharField):
    """A short text (ID number, phone) stored encrypted; see the module docstring."""

    def get_internal_type(self):
        return "TextField"  # ciphertext is longer than max_length, which applies to the plain text

    @property
    def index_field(self) -> BlindIndexField | None:
        for f in self.model._meta.concrete_fields:
            if isinstance(f, BlindIndexField) and f.source == self.name:
                return f
        return None

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return IndexedExact
        if lookup_name == "in":
            return IndexedIn
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(
            f"加密字段 {_label(self)} 不能按“{lookup_name}”查询：只能按完整值（盲索引）精确查找"
        )

    def get_transform(self, lookup_name):
        return None

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value)

    def get_db_prep_save(self, value, connection):
        value = self.get_prep_value(value)
        return crypto.encrypt(value)


class EncryptedJSONField(models.TextField):
    """A JSON value stored encrypted as a whole; it cannot be queried."""

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(f"加密字段 {_label(self)} 不能用于查询")

    def get_transform(self, lookup_name):
        return None

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return json.loads(crypto.decrypt(value))

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value):
        return value

    def get_db_prep_save(self, value, connection):
        if value is None:
            return None
        return crypto.encrypt(json.dumps(value, ensure_ascii=False))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)


class BlindIndexField(models.CharField):
    """The keyed HMAC of another field's normalised value, filled on every save and bulk insert."""

    def __init__(self, *args, source: str, purpose: str, **kwargs):
        if purpose not in crypto.PURPOSES:
            raise ValueError(f"unknown blind-index purpose {purpose!r}")
        self.source, self.purpose = source, purpose
        kwargs.update(max_length=64, null=True, blank=True, editable=False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "null", "blank", "editable"):
            kwargs.pop(key, None)
        kwargs.update(source=self.source, purpose=self.purpose)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = crypto.blind_index(getattr(model_instance, self.source), self.purpose)
        setattr(model_instance, self.attname, value)
        return value


def _indexes_of(model, names) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField) and f.source in names]


class IndexedQuerySet(models.QuerySet):
    """``update()`` and ``bulk_update`` that keep the blind indexes in step with their sources."""

    def update(self, **kwargs):
        for index in _indexes_of(self.model, kwargs):
            if index.name in kwargs:  # given with it (bulk_update's CASE expressions for both)
                continue
            value = kwargs[index.source]
            if hasattr(value, "resolve_expression"):
                raise FieldError(f"加密字段 {_label(self.model._meta.get_field(index.source))} 只能更新为给定的值，"
                                 "不能用表达式（其盲索引无法在数据库中计算）")
            kwargs[index.name] = crypto.blind_index(value, index.purpose)
        return super().update(**kwargs)

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        fields = list(fields)
        for index in _indexes_of(self.model, fields):
            for obj in objs:
                index.pre_save(obj, False)
            if index.name not in fields:
                fields.append(index.name)
        return super().bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True


class IndexedModel(models.Model):
    """Base of models with a blind index: ``save(update_fields=[source])``, ``QuerySet.update()`` and
    ``bulk_update`` write the index too."""

    objects = IndexedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            extra = [f.name for f in self._meta.concrete_fields
                     if isinstance(f, BlindIndexField) and f.source in update_fields and f.name not in update_fields]
            update_fields = [*update_fields, *extra]
        super().save(*args, update_fields=update_fields, **kwargs)


def encrypted_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField | EncryptedJSONField)]


def index_fields(model) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
