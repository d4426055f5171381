"""Password policy: at least 8 characters drawn from at least 3 of 4 character classes.

Django's CommonPasswordValidator (its list is compared case-insensitively) and
UserAttributeSimilarityValidator run alongside this one (settings.AUTH_PASSWORD_VALIDATORS).
"""

from django.core.exceptions import ValidationError

CLASS_LABELS = ("小写字母", "大写字母", "数字", "符号")


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digit and symbol occur in ``password``."""
    lower = any(c.islower() for c in password)
    upper = any(c.isupper() for c in password)
    digit = any(c.isdigit() for c in password)
    # Anything else counts as a symbol: punctuation, spaces, and letters without case such as 汉字.
    symbol = any(not (c.islower() or c.isupper() or c.isdigit()) for c in password)
    return lower + upper + digit + symbol


class ComplexityValidator:
    """At least ``min_length`` characters and at least ``min_classes`` of the four classes."""

    def __init__(self, min_length: int = 8, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password, user=None):
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    "密码太短，至少需要%(min_length)d个字符。",
                    code="password_too_short",
                    params={"min_length": self.min_length},
                )
            )
        if character_classes(password) < self.min_classes:
            errors.append(
                ValidationError(
                    "密码须至少包含小写字母、大写字母、数字、符号中的%(min_classes)d类。",
                    code="password_too_simple",
                    params={"min_classes": self.min_classes},
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        return (
            f"密码至少{self.min_length}个字符，且至少包含小写字母、大写字母、数字、符号中的{self.min_classes}类；"
            "不能是常见密码，也不能与用户名等个人信息过于相似。"
        )
