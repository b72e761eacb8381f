import pytest

from apps.imports.presets import mapping_suggest

HUBSPOT_COMPANIES = [
    "Record ID",
    "Company name",
    "Company owner",
    "Create Date",
    "Company Domain Name",
    "Industry",
    "Annual Revenue",
]
HUBSPOT_CONTACTS = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Job Title",
    "Associated Company",
    "Contact owner",
]
HUBSPOT_DEALS = [
    "Record ID",
    "Deal Name",
    "Deal Stage",
    "Close Date",
    "Create Date",
    "Deal owner",
    "Amount",
]
SALESFORCE_ACCOUNTS = [
    "Account ID",
    "Account Name",
    "Website",
    "Account Owner",
    "Industry",
    "Billing Country",
    "Billing State/Province",
    "Employees",
    "Annual Revenue",
]
SALESFORCE_CONTACTS = [
    "Contact ID",
    "First Name",
    "Last Name",
    "Title",
    "Email",
    "Account Name",
    "Account ID",
]
SALESFORCE_OPPORTUNITIES = [
    "Opportunity ID",
    "Opportunity Name",
    "Account Name",
    "Stage",
    "Amount",
    "Close Date",
    "Created Date",
    "Opportunity Owner",
]


@pytest.mark.parametrize(
    ("kind", "header", "source", "expected"),
    [
        (
            "accounts",
            HUBSPOT_COMPANIES,
            "hubspot",
            {
                "Record ID": "external_id",
                "Company name": "name",
                "Company owner": "owner_email",
                "Company Domain Name": "domain",
                "Industry": "industry",
                "Annual Revenue": "annual_revenue",
            },
        ),
        (
            "contacts",
            HUBSPOT_CONTACTS,
            "hubspot",
            {
                "Record ID": "external_id",
                "First Name": "first_name",
                "Last Name": "last_name",
                "Email": "email",
                "Job Title": "title",
                "Associated Company": "account_name",
            },
        ),
        (
            "opportunities",
            HUBSPOT_DEALS,
            "hubspot",
            {
                "Record ID": "external_id",
                "Deal Name": "name",
                "Deal Stage": "stage",
                "Close Date": "expected_close_date",
                "Create Date": "created_at",
                "Deal owner": "owner_email",
                "Amount": "amount",
            },
        ),
        (
            "accounts",
            SALESFORCE_ACCOUNTS,
            "salesforce",
            {
                "Account ID": "external_id",
                "Account Name": "name",
                "Website": "domain",
                "Account Owner": "owner_email",
                "Industry": "industry",
                "Billing Country": "country",
                "Billing State/Province": "subdivision",
                "Employees": "employee_count",
                "Annual Revenue": "annual_revenue",
            },
        ),
        (
            "contacts",
            SALESFORCE_CONTACTS,
            "salesforce",
            {
                "Contact ID": "external_id",
                "First Name": "first_name",
                "Last Name": "last_name",
                "Title": "title",
                "Email": "email",
                "Account Name": "account_name",
                "Account ID": "account_external_id",
            },
        ),
        (
            "opportunities",
            SALESFORCE_OPPORTUNITIES,
            "salesforce",
            {
                "Opportunity ID": "external_id",
                "Opportunity Name": "name",
                "Account Name": "account_name",
                "Stage": "stage",
                "Amount": "amount",
                "Close Date": "expected_close_date",
                "Created Date": "created_at",
                "Opportunity Owner": "owner_email",
            },
        ),
    ],
)
def test_crm_exports_are_recognised_with_their_source(kind, header, source, expected):
    suggestion = mapping_suggest(kind=kind, header=header)
    assert (suggestion.mapping, suggestion.source) == (expected, source)


def test_waymarks_own_columns_map_to_themselves_whatever_the_case_and_spacing():
    suggestion = mapping_suggest(kind="accounts", header=["Name", "DOMAIN", "fit score", "Notes"])
    assert suggestion.mapping == {"Name": "name", "DOMAIN": "domain", "fit score": "fit_score"}
    assert suggestion.source == ""
