"""The Waymark fields an import fills, and the check of one row against them.

Each row is checked in plain Python, field by field (no `full_clean`, too slow for a hundred
thousand rows) but against the same rules as the models: required values, types, choices,
lengths, e-mail and domain shapes, single-line text, known owners, personas and stages. A good
row becomes one tuple for the staging table; a bad one becomes its errors, each naming the
field and the value. What only the database can tell (which record a key matches, the same key
twice in a file) is checked afterwards, set-based (see `upsert`).
"""

import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.accounts.models import Contact, is_web_domain, normalise_domain
from apps.accounts.selectors import ACCOUNT_CSV_COLUMNS, CONTACT_CSV_COLUMNS
from apps.core.countries import SUBDIVISION_MAX_LENGTH, country_code, subdivision_code
from apps.imports.models import RecordKind
from apps.personas.models import BuyingRole, Seniority
from apps.personas.selectors import persona_ids_by_name, title_rule_matcher
from apps.pipeline.selectors import OPPORTUNITY_CSV_COLUMNS, pipeline_stage_ids_by_name
from apps.users.selectors import user_ids_by_login

# Control characters, and halves of surrogate pairs (JSON's "\ud800" alone) no database stores.
_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")
_TIME_ZONES = frozenset(zoneinfo.available_timezones())
_TRUE = frozenset({"true", "yes", "y", "1", "x"})
_FALSE = frozenset({"false", "no", "n", "0"})


class FieldError(ValueError):
    pass


# -- value checks -----------------------------------------------------------------------------


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise FieldError("Must be text.")
    return str(value)


def text(max_length: int) -> Callable[[Any], str]:
    def clean(value: Any) -> str:
        # Nearly every value is a string: no call for those (this runs for every cell).
        value = value.strip() if type(value) is str else _string(value)
        if len(value) > max_length:
            raise FieldError(f"At most {max_length} characters (this has {len(value)}).")
        if _CONTROL.search(value):
            raise FieldError("Line breaks and control characters are not allowed here.")
        return value

    return clean


_email_text, _domain_text = text(254), text(253)


def email(value: Any) -> str:
    value = _email_text(value).lower()
    if not _EMAIL.match(value):
        raise FieldError("Not an email address such as ana@acme.com.")
    return value


def domain(value: Any) -> str:
    value = normalise_domain(_domain_text(value))
    if not is_web_domain(value):
        raise FieldError("Not a web domain such as acme.com.")
    return value


def whole_number(low: int, high: int) -> Callable[[Any], int]:
    def clean(value: Any) -> int:
        if isinstance(value, bool):
            raise FieldError("Must be a whole number.")
        try:
            number = Decimal(_string(value).replace(",", "") if isinstance(value, str) else value)
        except (InvalidOperation, ValueError):
            raise FieldError("Must be a whole number.") from None
        if number != number.to_integral_value():
            raise FieldError("Must be a whole number.")
        if not low <= number <= high:
            raise FieldError(f"Must be between {low:,} and {high:,}.")
        return int(number)

    return clean


def money(max_digits: int) -> Callable[[Any], Decimal]:
    limit = Decimal(10) ** (max_digits - 2)

    def clean(value: Any) -> Decimal:
        if isinstance(value, bool):
            raise FieldError("Must be an amount such as 12500.00.")
        raw = _string(value).replace(",", "").lstrip("$€£").strip()
        try:
            amount = Decimal(raw).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise FieldError("Must be an amount such as 12500.00.") from None
        if amount < 0:
            raise FieldError("Cannot be negative.")
        if amount >= limit:
            raise FieldError(f"Must be less than {limit:,}.")
        return amount

    return clean


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = _string(value).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise FieldError("Must be true or false (yes/no, 1/0).")


def choice(choices: list[tuple[Any, str]]) -> Callable[[Any], Any]:
    """A value or its label, whatever the case: `economic_buyer` or `Economic buyer`."""
    known = {str(value).lower(): value for value, _ in choices}
    known |= {label.lower(): value for value, label in choices}
    listed = ", ".join(str(value) for value, _ in choices)
    return lookup(known, f"Unknown value: use one of {listed}.")


# Seniority as CRMs and data providers spell it, beside Waymark's own values and labels.
SENIORITY_NAMES = {
    "executive": Seniority.C_LEVEL,
    "c-suite": Seniority.C_LEVEL,
    "cxo": Seniority.C_LEVEL,
    "owner": Seniority.C_LEVEL,
    "founder": Seniority.C_LEVEL,
    "vice president": Seniority.VP,
    "head": Seniority.DIRECTOR,
    "employee": Seniority.INDIVIDUAL,
    "individual contributor": Seniority.INDIVIDUAL,
    "entry": Seniority.INDIVIDUAL,
    "senior": Seniority.INDIVIDUAL,
    "staff": Seniority.INDIVIDUAL,
}


def seniority(value: Any) -> str:
    """A seniority's value or label (`vp`, `C-level`), or a CRM's name for it (`Executive`)."""
    found = SENIORITY_NAMES.get(_string(value).lower())
    return found or choice(Seniority.choices)(value)


def day(value: Any) -> date:
    raw = _string(value)
    if "T" in raw or " " in raw:  # a moment: its day (words such as "last spring" are none)
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
        except ValueError:
            raise FieldError("Not a date such as 2026-03-31.") from None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise FieldError("Not a date such as 2026-03-31.")


def moment(value: Any) -> datetime:
    raw = _string(value)
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        when = datetime.combine(day(raw), datetime.min.time())
    # Documented: a time without an offset, or a bare date, is UTC.
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def past_moment(value: Any) -> datetime:
    """A moment (as `moment`) that has already happened."""
    when = moment(value)
    if when > datetime.now(UTC):
        raise FieldError("Cannot be in the future.")
    return when


def time_zone(value: Any) -> str:
    value = _string(value)
    if value not in _TIME_ZONES:
        raise FieldError("Not a time zone name such as Europe/Berlin.")
    return value


def country(value: Any) -> str:
    """An ISO code or the English name: `DE`, `de`, `Germany`."""
    code = country_code(_string(value))
    if code is None:
        raise FieldError(
            f"Unknown country code '{_string(value)}': use one such as DE or US, or the name."
        )
    return code


def lookup(known: dict[str, Any], missing: str) -> Callable[[Any], Any]:
    """What `known` holds under the lower-cased value; else `missing` (`{value}`: the value)."""

    def clean(value: Any) -> Any:
        found = known.get(_string(value).lower())
        if found is None:
            raise FieldError(missing.format(value=_string(value)))
        return found

    return clean


def tier(value: Any) -> int:
    raw = _string(value).lower().removeprefix("tier").strip()
    if raw not in {"1", "2", "3"}:
        raise FieldError("Must be 1, 2 or 3 (or Tier 1, Tier 2, Tier 3).")
    return int(raw)


# -- the fields of each kind --------------------------------------------------------------------


def fields_for(kind: str) -> list[str]:
    """The canonical columns an import of `kind` understands, in the exports' order."""
    return list(_NAMES[kind])


# Waymark's own export columns, then what only an import reads: the account named by its id in
# the source CRM or by its name (CRM exports name a contact's company that way).
_ACCOUNT_BY = ("account_external_id", "account_name")
_NAMES = {
    RecordKind.ACCOUNTS: ACCOUNT_CSV_COLUMNS,
    RecordKind.CONTACTS: (*CONTACT_CSV_COLUMNS, *_ACCOUNT_BY),
    # When the deal was created in the CRM (its "Create Date"): backtests and calibration ask
    # which deals opened after a past day, so a history keeps its own dates.
    RecordKind.OPPORTUNITIES: (*OPPORTUNITY_CSV_COLUMNS, "created_at", *_ACCOUNT_BY),
}

# What an import needs to find a record: one of these columns must be mapped.
KEY_FIELDS = {
    RecordKind.ACCOUNTS: ("domain", "external_id"),
    RecordKind.CONTACTS: ("email", "external_id"),
    RecordKind.OPPORTUNITIES: ("external_id", "name"),
}

# Staging columns per kind, in COPY order, with their SQL types (see `upsert`).
STAGE_COLUMNS = {
    RecordKind.ACCOUNTS: (
        ("item", "integer"),
        ("external_source", "text"),
        ("external_id", "text"),
        ("name", "text"),
        ("domain", "text"),
        ("industry", "text"),
        ("region", "text"),
        ("country", "text"),
        ("subdivision", "text"),
        ("employee_count", "bigint"),
        ("annual_revenue", "numeric"),
        ("tier", "integer"),
        ("is_target", "boolean"),
        ("fit_score", "integer"),
        ("owner_id", "bigint"),
    ),
    RecordKind.CONTACTS: (
        ("item", "integer"),
        ("external_source", "text"),
        ("external_id", "text"),
        ("email", "text"),
        ("first_name", "text"),
        ("last_name", "text"),
        ("title", "text"),
        ("account_domain", "text"),
        ("account_external_id", "text"),
        ("account_name", "text"),
        ("email_domain", "text"),
        ("persona_id", "bigint"),
        ("buying_role", "text"),
        ("seniority", "text"),
        ("rule_persona_id", "bigint"),
        ("rule_role", "text"),
        ("rule_seniority", "text"),
        ("consent", "text"),
        ("time_zone", "text"),
        ("country", "text"),
        ("subdivision", "text"),
    ),
    RecordKind.OPPORTUNITIES: (
        ("item", "integer"),
        ("external_source", "text"),
        ("external_id", "text"),
        ("name", "text"),
        ("account_domain", "text"),
        ("account_external_id", "text"),
        ("account_name", "text"),
        ("owner_id", "bigint"),
        ("stage_id", "bigint"),
        ("amount", "numeric"),
        ("currency", "text"),
        ("expected_close_date", "date"),
        ("stage_entered_at", "timestamp"),
        ("created_at", "timestamp"),
    ),
}


class RowChecker:
    """Checks rows of one kind against the fields a mapping fills.

    Built once per run: the owners, personas, stages and title rules are read here, so checking
    a row runs no query.
    """

    def __init__(self, *, kind: str, fields: list[str], source: str):
        self.kind = kind
        self.source = source
        self.fields = fields
        self._clean = self._cleaners(kind)
        self._match_title = title_rule_matcher() if kind == RecordKind.CONTACTS else None
        self._build = getattr(self, f"_{kind}")

    @staticmethod
    def _cleaners(kind: str) -> dict[str, Callable[[Any], Any]]:
        owner = lookup(user_ids_by_login(), "No user with the email or name “{value}” in Waymark.")
        common = {"external_source": text(40), "external_id": text(100)}
        if kind == RecordKind.ACCOUNTS:
            return common | {
                "name": text(200),
                "domain": domain,
                "industry": text(80),
                "region": text(80),
                "country": country,
                "subdivision": text(SUBDIVISION_MAX_LENGTH),
                "employee_count": whole_number(0, 2_147_483_647),
                "annual_revenue": money(16),
                "tier": tier,
                "is_target": boolean,
                "fit_score": whole_number(0, 100),
                "owner_email": owner,
            }
        if kind == RecordKind.CONTACTS:
            return common | {
                "email": email,
                "first_name": text(80),
                "last_name": text(80),
                "title": text(120),
                "account_domain": domain,
                "account_external_id": text(100),
                "account_name": text(200),
                "persona": lookup(persona_ids_by_name(), "No persona named “{value}” in Waymark."),
                "buying_role": choice(BuyingRole.choices),
                "seniority": seniority,
                "consent": choice(Contact.Consent.choices),
                "time_zone": time_zone,
                "country": country,
                "subdivision": text(SUBDIVISION_MAX_LENGTH),
            }
        return common | {
            "name": text(200),
            "account_domain": domain,
            "account_external_id": text(100),
            "account_name": text(200),
            "owner_email": owner,
            "stage": lookup(
                pipeline_stage_ids_by_name(), "No pipeline stage named “{value}” in Waymark."
            ),
            "amount": money(14),
            "currency": _currency,
            "expected_close_date": day,
            "stage_entered_at": moment,
            "created_at": past_moment,
        }

    def check(self, item: int, values: dict[str, Any]) -> tuple | list[tuple[str, Any, str]]:
        """The staging row for `values` (canonical field → raw value; empty means "keep what
        Waymark has"), or its errors as (field, value, message)."""
        errors: list[tuple[str, Any, str]] = []
        row: dict[str, Any] = {}
        for name in self.fields:
            raw = values.get(name)
            if raw is None or raw == "":
                row[name] = None
                continue
            try:
                row[name] = self._clean[name](raw)
            except FieldError as error:
                errors.append((name, raw, str(error)))
        if row.get("external_id") and not (row.get("external_source") or self.source):
            errors.append(
                (
                    "external_id",
                    row["external_id"],
                    "Name the system this id comes from: the import's source or an "
                    "external_source column.",
                )
            )
        created, entered = row.get("created_at"), row.get("stage_entered_at")
        if created and entered and created > entered:
            errors.append(
                (
                    "created_at",
                    values.get("created_at"),
                    f"The deal cannot be created after it entered its stage ({entered:%Y-%m-%d}).",
                )
            )
        if row.get("subdivision") and not errors:
            self._subdivision(row, values, errors)
        if errors:
            return errors
        # The row's source also qualifies the ids of the account it names.
        row["external_source"] = row.get("external_source") or self.source or None
        return self._build(item, row)

    @staticmethod
    def _subdivision(row: dict, values: dict[str, Any], errors: list) -> None:
        """A subdivision is checked against the row's own country (needed with it), and stored
        as the holidays package spells it: `de-by` or `Bayern` become `BY`."""
        given, place = row["subdivision"], row.get("country")
        if not place:
            message = f"Give the country that '{given}' is a subdivision of, in the same row."
        else:
            row["subdivision"] = subdivision_code(place, given)
            if row["subdivision"] is not None:
                return
            message = f"'{given}' is not a subdivision of {place}."
        errors.append(("subdivision", values.get("subdivision"), message))

    def _accounts(self, item: int, row: dict) -> tuple:
        g = row.get
        return (
            item,
            g("external_source"),
            g("external_id"),
            g("name"),
            g("domain"),
            g("industry"),
            g("region"),
            g("country"),
            g("subdivision"),
            g("employee_count"),
            g("annual_revenue"),
            g("tier"),
            g("is_target"),
            g("fit_score"),
            g("owner_email"),
        )

    def _contacts(self, item: int, row: dict) -> tuple:
        g = row.get
        rule_persona, rule_role, rule_seniority = None, None, None
        if g("title"):
            matched = self._match_title(g("title"))
            if g("persona") is None and g("buying_role") is None:
                rule_persona, rule_role = matched.persona_id, matched.buying_role
            rule_seniority = matched.seniority
        email_address = g("email")
        return (
            item,
            g("external_source"),
            g("external_id"),
            email_address,
            g("first_name"),
            g("last_name"),
            g("title"),
            g("account_domain"),
            g("account_external_id"),
            g("account_name"),
            email_address.rpartition("@")[2] if email_address else None,
            g("persona"),
            g("buying_role"),
            g("seniority"),
            rule_persona,
            rule_role or None,
            rule_seniority or None,
            g("consent"),
            g("time_zone"),
            g("country"),
            g("subdivision"),
        )

    def _opportunities(self, item: int, row: dict) -> tuple:
        g = row.get
        return (
            item,
            g("external_source"),
            g("external_id"),
            g("name"),
            g("account_domain"),
            g("account_external_id"),
            g("account_name"),
            g("owner_email"),
            g("stage"),
            g("amount"),
            g("currency"),
            g("expected_close_date"),
            g("stage_entered_at"),
            g("created_at"),
        )


def _currency(value: Any) -> str:
    code = _string(value).upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise FieldError("Must be a three-letter currency code such as USD.")
    return code
