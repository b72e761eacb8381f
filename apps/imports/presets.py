"""Which Waymark field each column of a file fills, suggested from the header.

Waymark's own export columns are recognised as they are; HubSpot and Salesforce exports by
their usual column names. Names compare without case, spaces or underscores mattering, so
`Company Domain Name`, `company_domain_name` and `COMPANY DOMAIN NAME` are one name.
"""

import re
from dataclasses import dataclass

from apps.imports.fields import fields_for
from apps.imports.models import RecordKind

_A, _C, _O = RecordKind.ACCOUNTS, RecordKind.CONTACTS, RecordKind.OPPORTUNITIES

# Source → kind → column name in that CRM's export → Waymark field.
PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "hubspot": {
        _A: {
            "Record ID": "external_id",
            "Company name": "name",
            "Company Domain Name": "domain",
            "Website URL": "domain",
            "Industry": "industry",
            "Country/Region": "country",
            "State/Region": "subdivision",
            "Number of Employees": "employee_count",
            "Annual Revenue": "annual_revenue",
            "Company owner": "owner_email",
        },
        _C: {
            "Record ID": "external_id",
            "Email": "email",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Job Title": "title",
            "Seniority": "seniority",
            "Associated Company": "account_name",
            "Associated Company ID": "account_external_id",
            "Company Domain Name": "account_domain",
            "Time Zone": "time_zone",
            "Country/Region": "country",
            "State/Region": "subdivision",
        },
        _O: {
            "Record ID": "external_id",
            "Deal Name": "name",
            "Deal Stage": "stage",
            "Close Date": "expected_close_date",
            "Create Date": "created_at",
            "Amount": "amount",
            "Currency": "currency",
            "Deal owner": "owner_email",
            "Associated Company": "account_name",
            "Associated Company ID": "account_external_id",
        },
    },
    "salesforce": {
        _A: {
            "Account ID": "external_id",
            "Account Name": "name",
            "Website": "domain",
            "Industry": "industry",
            "Billing Country": "country",
            "Billing State/Province": "subdivision",
            "Employees": "employee_count",
            "Annual Revenue": "annual_revenue",
            "Account Owner": "owner_email",
        },
        _C: {
            "Contact ID": "external_id",
            "Email": "email",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Title": "title",
            "Account Name": "account_name",
            "Account ID": "account_external_id",
            "Mailing Country": "country",
            "Mailing State/Province": "subdivision",
        },
        _O: {
            "Opportunity ID": "external_id",
            "Opportunity Name": "name",
            "Stage": "stage",
            "Amount": "amount",
            "Opportunity Currency": "currency",
            "Close Date": "expected_close_date",
            "Created Date": "created_at",
            "Opportunity Owner": "owner_email",
            "Account Name": "account_name",
            "Account ID": "account_external_id",
        },
    },
}


@dataclass(frozen=True)
class Suggestion:
    mapping: dict[str, str]  # column of the file → Waymark field
    source: str  # the CRM the columns come from, "" when they are Waymark's own or unknown


def header_key(name: str) -> str:
    return re.sub(r"[\s_]+", "", name).lower()


def mapping_suggest(*, kind: str, header: list[str]) -> Suggestion:
    """Map each column whose name Waymark knows: its own field names first, else the preset
    that recognises the most columns; that preset's CRM is proposed as the source."""
    own = {header_key(name): name for name in fields_for(kind)}
    best_source, best = "", {}
    for source, kinds in PRESETS.items():
        preset = {header_key(column): field for column, field in kinds[kind].items()}
        found = {
            column: preset[header_key(column)] for column in header if header_key(column) in preset
        }
        if len(found) > len(best):
            best_source, best = source, found
    mapping: dict[str, str] = {}
    for column in header:
        field = own.get(header_key(column)) or best.get(column)
        if field and field not in mapping.values():
            mapping[column] = field
    ours = sum(1 for column in header if header_key(column) in own)
    return Suggestion(mapping, best_source if len(best) > ours else "")


def preset_mapping(*, kind: str, source: str, header: list[str]) -> dict[str, str]:
    """The named CRM's preset applied to a header (for `import_records --mapping hubspot`)."""
    preset = {header_key(column): field for column, field in PRESETS[source][kind].items()}
    mapping: dict[str, str] = {}
    for column in header:
        field = preset.get(header_key(column))
        if field and field not in mapping.values():
            mapping[column] = field
    return mapping
