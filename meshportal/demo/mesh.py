"""The demo organisation: four domains, 24 data products, three AWS accounts, one user per persona, and a
consumer team with its IAM roles in the consumer account.

One definition feeds both the portal database (``manage.py load_demo``) and the AWS emulator's Glue
catalogs (the seed file ``load_demo`` writes), so the tables behind every product exist in the emulator.
"""

from __future__ import annotations

from typing import Any, TypedDict

DEMO_PASSWORD = "meshportal-demo"  # documented in the README; demo only

CENTRAL = "111111111111"
PRODUCER = "222222222222"
CONSUMER = "333333333333"
ORG_ID = "o-demo0mesh01"

ACCOUNTS = [
    {
        "account_id": CENTRAL,
        "name": "mesh-governance",
        "role": "central",
        "line_of_business": "group",
        "region": "eu-west-1",
    },
    {
        "account_id": PRODUCER,
        "name": "domains-producer",
        "role": "producer",
        "line_of_business": "retail",
        "region": "eu-west-1",
    },
    {
        "account_id": CONSUMER,
        "name": "analytics-consumer",
        "role": "consumer",
        "line_of_business": "retail",
        "region": "eu-west-1",
    },
]


class UserFlags(TypedDict, total=False):
    """The role flags of ``identity.services.user_create``."""

    is_platform_admin: bool
    is_auditor: bool


USERS: list[tuple[str, str, str, UserFlags, list[str], list[str]]] = [
    # username, first, last, flags, teams, stewarded domains
    ("admin", "Ada", "Admin", {"is_platform_admin": True}, [], []),
    ("auditor", "Audrey", "Auditor", {"is_auditor": True}, [], []),
    ("pat", "Pat", "Producer", {}, ["sales-analytics"], []),
    ("fiona", "Fiona", "Fulfilment", {}, ["fulfilment-ops"], []),
    ("mark", "Mark", "Marketer", {}, ["marketing-insights"], []),
    ("fred", "Fred", "Finance", {}, ["finance-reporting"], []),
    ("sam", "Sam", "Steward", {}, [], ["sales", "marketing"]),
    ("stella", "Stella", "Steward", {}, [], ["fulfilment", "finance"]),
    ("carol", "Carol", "Consumer", {}, [], []),
    ("dan", "Dan", "Datascientist", {}, [], []),
]

TEAMS = [
    ("sales-analytics", "Sales Analytics", "sales-analytics@example.com"),
    ("fulfilment-ops", "Fulfilment Ops", "fulfilment-ops@example.com"),
    ("marketing-insights", "Marketing Insights", "marketing@example.com"),
    ("finance-reporting", "Finance Reporting", "finance@example.com"),
]

# Consumer teams read data through the IAM roles they register (they own no data products): slug, name, e-mail,
# members with their team role. The demo's consumers belong to one.
CONSUMER_TEAMS = [
    ("data-science", "Data Science", "data-science@example.com", {"carol": "lead", "dan": "member"}),
]

# The consumer teams' IAM roles in the consumer account: team, name, role name, path, environment, kind. The
# same definition seeds the emulator's IAM (glue_seed), so every registered role exists there.
CONSUMER_ROLES = [
    ("data-science", "Analyst workbench", "Analyst", "/", "prod", "notebook"),
    ("data-science", "Nightly feature ETL", "ds-feature-etl", "/data-science/", "prod", "etl"),
    ("data-science", "BI dashboards (test)", "ds-bi", "/data-science/", "test", "bi"),
]


def consumer_role_arn(role_name: str, path: str) -> str:
    return f"arn:aws:iam::{CONSUMER}:role{path}{role_name}"


DOMAINS = [
    ("sales", "Sales", "Orders, customers and revenue from every sales channel."),
    ("fulfilment", "Fulfilment", "Warehouses, shipments, carriers and returns."),
    ("marketing", "Marketing", "Campaigns, web analytics and customer engagement."),
    ("finance", "Finance", "Invoices, payments, ledgers and forecasts."),
]

PUB, INT, CONF, RESTR = "public", "internal", "confidential", "restricted"


def col(name: str, data_type: str, description: str, classification: str = INT, pii: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "data_type": data_type,
        "description": description,
        "classification": classification,
        "is_pii": pii,
    }


PRODUCTS: list[dict[str, Any]] = [
    # --- sales ---------------------------------------------------------------------------------
    {
        "slug": "sales-orders",
        "name": "Sales orders",
        "domain": "sales",
        "team": "sales-analytics",
        "database": "sales",
        "table": "orders",
        "classification": INT,
        "criticality": "critical",
        "summary": "Every confirmed order line across web, app and stores, refreshed hourly.",
        "tags": ["orders", "revenue", "gold"],
        "freshness": 2,
        "quality": 98.5,
        "policy": "auto",
        "columns": [
            col("order_id", "string", "Order identifier"),
            col("order_line", "int", "Line number"),
            col("customer_id", "string", "Pseudonymous customer key"),
            col("sku", "string", "Product SKU"),
            col("quantity", "int", "Units ordered"),
            col("net_amount", "decimal(12,2)", "Net value in EUR"),
            col("channel", "string", "web, app or store", PUB),
            col("ordered_at", "timestamp", "Order time UTC"),
        ],
    },
    {
        "slug": "sales-customers",
        "name": "Customers",
        "domain": "sales",
        "team": "sales-analytics",
        "database": "sales",
        "table": "customers",
        "classification": CONF,
        "criticality": "high",
        "summary": "Customer master data with contact details and consent flags.",
        "tags": ["customers", "pii", "master-data"],
        "freshness": 24,
        "quality": 95.0,
        "policy": "two_stage",
        "columns": [
            col("customer_id", "string", "Customer key"),
            col("email", "string", "E-mail address", CONF, True),
            col("full_name", "string", "Customer name", CONF, True),
            col("phone", "string", "Phone", CONF, True),
            col("country", "string", "ISO country code"),
            col("marketing_consent", "boolean", "Opt-in flag"),
            col("created_at", "timestamp", "Registration time"),
        ],
    },
    {
        "slug": "sales-daily-revenue",
        "name": "Daily revenue",
        "domain": "sales",
        "team": "sales-analytics",
        "database": "sales",
        "table": "daily_revenue",
        "classification": INT,
        "criticality": "high",
        "summary": "Revenue per day, channel and country; the number finance reconciles against.",
        "tags": ["revenue", "kpi", "gold"],
        "freshness": 24,
        "quality": 99.2,
        "policy": "auto",
        "upstream": ["sales-orders"],
        "columns": [
            col("day", "date", "Calendar day"),
            col("channel", "string", "Sales channel", PUB),
            col("country", "string", "ISO country"),
            col("gross_revenue", "decimal(14,2)", "Gross EUR"),
            col("net_revenue", "decimal(14,2)", "Net EUR"),
            col("orders", "bigint", "Order count"),
        ],
    },
    {
        "slug": "sales-returns",
        "name": "Returns",
        "domain": "sales",
        "team": "sales-analytics",
        "database": "sales",
        "table": "returns",
        "classification": INT,
        "criticality": "medium",
        "summary": "Returned order lines with reason codes.",
        "tags": ["returns", "orders"],
        "freshness": 24,
        "quality": 93.4,
        "policy": "producer",
        "upstream": ["sales-orders"],
        "columns": [
            col("return_id", "string", "Return identifier"),
            col("order_id", "string", "Original order"),
            col("sku", "string", "Product SKU"),
            col("reason_code", "string", "Why it came back"),
            col("refund_amount", "decimal(12,2)", "Refund in EUR"),
            col("returned_at", "timestamp", "When"),
        ],
    },
    {
        "slug": "sales-basket-analysis",
        "name": "Basket analysis",
        "domain": "sales",
        "team": "sales-analytics",
        "database": "sales",
        "table": "basket_pairs",
        "classification": INT,
        "criticality": "low",
        "summary": "Products bought together, with lift and support.",
        "tags": ["recommendations", "orders"],
        "freshness": 168,
        "quality": 90.1,
        "policy": "auto",
        "upstream": ["sales-orders"],
        "columns": [
            col("sku_a", "string", "First SKU"),
            col("sku_b", "string", "Second SKU"),
            col("support", "double", "Share of baskets"),
            col("lift", "double", "Lift over chance"),
        ],
    },
    {
        "slug": "sales-store-footfall",
        "name": "Store footfall",
        "domain": "sales",
        "team": "sales-analytics",
        "database": "sales",
        "table": "store_footfall",
        "classification": PUB,
        "criticality": "low",
        "summary": "Hourly visitor counts per store from door sensors.",
        "tags": ["stores", "footfall"],
        "freshness": 2,
        "quality": 88.0,
        "policy": "auto",
        "columns": [
            col("store_id", "string", "Store", PUB),
            col("hour", "timestamp", "Hour", PUB),
            col("visitors", "int", "Visitors counted", PUB),
        ],
    },
    # --- fulfilment ----------------------------------------------------------------------------
    {
        "slug": "fulfilment-shipments",
        "name": "Shipments",
        "domain": "fulfilment",
        "team": "fulfilment-ops",
        "database": "fulfilment",
        "table": "shipments",
        "classification": INT,
        "criticality": "critical",
        "summary": "Every parcel shipped, with carrier, promised and actual delivery.",
        "tags": ["shipments", "logistics", "gold"],
        "freshness": 1,
        "quality": 97.3,
        "policy": "auto",
        "upstream": ["sales-orders"],
        "columns": [
            col("shipment_id", "string", "Shipment"),
            col("order_id", "string", "Order shipped"),
            col("carrier", "string", "Carrier code"),
            col("warehouse_id", "string", "Origin warehouse"),
            col("promised_at", "timestamp", "Promised delivery"),
            col("delivered_at", "timestamp", "Delivered"),
            col("postcode", "string", "Delivery postcode", CONF, True),
        ],
    },
    {
        "slug": "fulfilment-inventory",
        "name": "Inventory positions",
        "domain": "fulfilment",
        "team": "fulfilment-ops",
        "database": "fulfilment",
        "table": "inventory",
        "classification": INT,
        "criticality": "high",
        "summary": "Stock on hand per SKU and warehouse, every 15 minutes.",
        "tags": ["inventory", "stock"],
        "freshness": 1,
        "quality": 96.0,
        "policy": "auto",
        "columns": [
            col("sku", "string", "Product SKU"),
            col("warehouse_id", "string", "Warehouse"),
            col("on_hand", "int", "Units on hand"),
            col("reserved", "int", "Units reserved"),
            col("as_of", "timestamp", "Snapshot time"),
        ],
    },
    {
        "slug": "fulfilment-warehouses",
        "name": "Warehouses",
        "domain": "fulfilment",
        "team": "fulfilment-ops",
        "database": "fulfilment",
        "table": "warehouses",
        "classification": PUB,
        "criticality": "medium",
        "summary": "Reference list of warehouses and their capacity.",
        "tags": ["reference-data", "logistics"],
        "freshness": 720,
        "quality": 99.9,
        "policy": "auto",
        "columns": [
            col("warehouse_id", "string", "Warehouse", PUB),
            col("city", "string", "City", PUB),
            col("capacity_pallets", "int", "Capacity", PUB),
        ],
    },
    {
        "slug": "fulfilment-carrier-performance",
        "name": "Carrier performance",
        "domain": "fulfilment",
        "team": "fulfilment-ops",
        "database": "fulfilment",
        "table": "carrier_performance",
        "classification": INT,
        "criticality": "medium",
        "summary": "On-time rate and damage rate per carrier and week.",
        "tags": ["carriers", "kpi"],
        "freshness": 168,
        "quality": 94.2,
        "policy": "producer",
        "upstream": ["fulfilment-shipments"],
        "columns": [
            col("carrier", "string", "Carrier"),
            col("week", "date", "ISO week start"),
            col("on_time_rate", "double", "Share on time"),
            col("damage_rate", "double", "Share damaged"),
        ],
    },
    {
        "slug": "fulfilment-returns-logistics",
        "name": "Returns logistics",
        "domain": "fulfilment",
        "team": "fulfilment-ops",
        "database": "fulfilment",
        "table": "return_parcels",
        "classification": INT,
        "criticality": "low",
        "summary": "Return parcels received and their processing time.",
        "tags": ["returns", "logistics"],
        "freshness": 24,
        "quality": 91.0,
        "policy": "auto",
        "upstream": ["sales-returns"],
        "columns": [
            col("parcel_id", "string", "Parcel"),
            col("return_id", "string", "Return"),
            col("received_at", "timestamp", "Received"),
            col("processed_at", "timestamp", "Processed"),
        ],
    },
    {
        "slug": "fulfilment-delivery-addresses",
        "name": "Delivery addresses",
        "domain": "fulfilment",
        "team": "fulfilment-ops",
        "database": "fulfilment",
        "table": "delivery_addresses",
        "classification": RESTR,
        "criticality": "high",
        "summary": "Full delivery addresses for last-mile routing.",
        "tags": ["addresses", "pii"],
        "freshness": 24,
        "quality": 92.5,
        "policy": "two_stage",
        "columns": [
            col("shipment_id", "string", "Shipment"),
            col("recipient_name", "string", "Recipient", RESTR, True),
            col("street_address", "string", "Street and number", RESTR, True),
            col("postcode", "string", "Postcode", RESTR, True),
            col("city", "string", "City"),
        ],
    },
    # --- marketing -----------------------------------------------------------------------------
    {
        "slug": "marketing-campaigns",
        "name": "Campaigns",
        "domain": "marketing",
        "team": "marketing-insights",
        "database": "marketing",
        "table": "campaigns",
        "classification": INT,
        "criticality": "medium",
        "summary": "Campaign catalogue with budgets, channels and dates.",
        "tags": ["campaigns", "budget"],
        "freshness": 24,
        "quality": 97.0,
        "policy": "auto",
        "columns": [
            col("campaign_id", "string", "Campaign"),
            col("name", "string", "Campaign name"),
            col("channel", "string", "Channel"),
            col("budget_eur", "decimal(12,2)", "Budget"),
            col("starts_on", "date", "Start"),
            col("ends_on", "date", "End"),
        ],
    },
    {
        "slug": "marketing-web-sessions",
        "name": "Web sessions",
        "domain": "marketing",
        "team": "marketing-insights",
        "database": "marketing",
        "table": "web_sessions",
        "classification": CONF,
        "criticality": "high",
        "summary": "Sessionised clickstream from the web shop, with consented identifiers only.",
        "tags": ["clickstream", "web", "pii"],
        "freshness": 1,
        "quality": 89.5,
        "policy": "two_stage",
        "columns": [
            col("session_id", "string", "Session"),
            col("customer_id", "string", "Customer, if logged in"),
            col("ip_address", "string", "Client IP", CONF, True),
            col("landing_page", "string", "First page"),
            col("pages", "int", "Pages viewed"),
            col("started_at", "timestamp", "Start"),
        ],
    },
    {
        "slug": "marketing-attribution",
        "name": "Channel attribution",
        "domain": "marketing",
        "team": "marketing-insights",
        "database": "marketing",
        "table": "attribution",
        "classification": INT,
        "criticality": "medium",
        "summary": "Orders attributed to campaigns (data-driven model).",
        "tags": ["attribution", "campaigns", "revenue"],
        "freshness": 24,
        "quality": 86.0,
        "policy": "producer",
        "upstream": ["marketing-web-sessions", "sales-orders", "marketing-campaigns"],
        "columns": [
            col("order_id", "string", "Order"),
            col("campaign_id", "string", "Campaign"),
            col("weight", "double", "Attribution weight"),
            col("model", "string", "Model version"),
        ],
    },
    {
        "slug": "marketing-email-engagement",
        "name": "E-mail engagement",
        "domain": "marketing",
        "team": "marketing-insights",
        "database": "marketing",
        "table": "email_events",
        "classification": CONF,
        "criticality": "medium",
        "summary": "Opens, clicks and unsubscribes per newsletter send.",
        "tags": ["email", "engagement", "pii"],
        "freshness": 24,
        "quality": 93.0,
        "policy": "two_stage",
        "columns": [
            col("send_id", "string", "Send"),
            col("email", "string", "Recipient e-mail", CONF, True),
            col("event", "string", "open, click or unsubscribe"),
            col("event_at", "timestamp", "When"),
        ],
    },
    {
        "slug": "marketing-customer-segments",
        "name": "Customer segments",
        "domain": "marketing",
        "team": "marketing-insights",
        "database": "marketing",
        "table": "segments",
        "classification": INT,
        "criticality": "medium",
        "summary": "RFM segments per customer, refreshed weekly.",
        "tags": ["segments", "customers"],
        "freshness": 168,
        "quality": 95.5,
        "policy": "auto",
        "upstream": ["sales-orders", "sales-customers"],
        "columns": [
            col("customer_id", "string", "Customer"),
            col("segment", "string", "Segment name"),
            col("recency_days", "int", "Days since last order"),
            col("frequency", "int", "Orders per year"),
            col("monetary", "decimal(12,2)", "Spend per year"),
        ],
    },
    {
        "slug": "marketing-social-mentions",
        "name": "Social mentions",
        "domain": "marketing",
        "team": "marketing-insights",
        "database": "marketing",
        "table": "social_mentions",
        "classification": PUB,
        "criticality": "low",
        "summary": "Brand mentions and sentiment from public social media.",
        "tags": ["social", "sentiment"],
        "freshness": 6,
        "quality": 80.0,
        "policy": "auto",
        "columns": [
            col("mention_id", "string", "Mention", PUB),
            col("platform", "string", "Network", PUB),
            col("sentiment", "double", "-1..1", PUB),
            col("posted_at", "timestamp", "Posted", PUB),
        ],
    },
    # --- finance -------------------------------------------------------------------------------
    {
        "slug": "finance-invoices",
        "name": "Invoices",
        "domain": "finance",
        "team": "finance-reporting",
        "database": "finance",
        "table": "invoices",
        "classification": CONF,
        "criticality": "critical",
        "summary": "Issued invoices with tax breakdown; the legal record.",
        "tags": ["invoices", "tax", "gold"],
        "freshness": 24,
        "quality": 99.5,
        "policy": "two_stage",
        "upstream": ["sales-orders"],
        "columns": [
            col("invoice_id", "string", "Invoice", CONF),
            col("order_id", "string", "Order", CONF),
            col("customer_id", "string", "Customer", CONF),
            col("net_amount", "decimal(12,2)", "Net", CONF),
            col("vat_amount", "decimal(12,2)", "VAT", CONF),
            col("issued_at", "timestamp", "Issued", CONF),
        ],
    },
    {
        "slug": "finance-payments",
        "name": "Payments",
        "domain": "finance",
        "team": "finance-reporting",
        "database": "finance",
        "table": "payments",
        "classification": RESTR,
        "criticality": "critical",
        "summary": "Payment transactions from the PSP, including masked card data.",
        "tags": ["payments", "pci"],
        "freshness": 1,
        "quality": 98.0,
        "policy": "two_stage",
        "upstream": ["finance-invoices"],
        "columns": [
            col("payment_id", "string", "Payment", RESTR),
            col("invoice_id", "string", "Invoice", RESTR),
            col("card_number_masked", "string", "Masked PAN", RESTR, True),
            col("iban", "string", "IBAN", RESTR, True),
            col("amount", "decimal(12,2)", "Amount", RESTR),
            col("paid_at", "timestamp", "Paid", RESTR),
        ],
    },
    {
        "slug": "finance-general-ledger",
        "name": "General ledger",
        "domain": "finance",
        "team": "finance-reporting",
        "database": "finance",
        "table": "general_ledger",
        "classification": CONF,
        "criticality": "critical",
        "summary": "Double-entry ledger lines per account and period.",
        "tags": ["ledger", "accounting"],
        "freshness": 24,
        "quality": 99.8,
        "policy": "producer",
        "columns": [
            col("entry_id", "string", "Entry", CONF),
            col("account_code", "string", "GL account", CONF),
            col("period", "string", "YYYY-MM", CONF),
            col("debit", "decimal(14,2)", "Debit", CONF),
            col("credit", "decimal(14,2)", "Credit", CONF),
        ],
    },
    {
        "slug": "finance-revenue-forecast",
        "name": "Revenue forecast",
        "domain": "finance",
        "team": "finance-reporting",
        "database": "finance",
        "table": "revenue_forecast",
        "classification": INT,
        "criticality": "high",
        "summary": "13-week rolling revenue forecast per channel.",
        "tags": ["forecast", "revenue", "kpi"],
        "freshness": 168,
        "quality": 90.0,
        "policy": "auto",
        "upstream": ["sales-daily-revenue"],
        "columns": [
            col("week", "date", "Week"),
            col("channel", "string", "Channel"),
            col("forecast_eur", "decimal(14,2)", "Forecast"),
            col("p10_eur", "decimal(14,2)", "Low"),
            col("p90_eur", "decimal(14,2)", "High"),
        ],
    },
    {
        "slug": "finance-cost-centres",
        "name": "Cost centres",
        "domain": "finance",
        "team": "finance-reporting",
        "database": "finance",
        "table": "cost_centres",
        "classification": PUB,
        "criticality": "low",
        "summary": "Reference list of cost centres and their owners.",
        "tags": ["reference-data", "accounting"],
        "freshness": 720,
        "quality": 99.0,
        "policy": "auto",
        "columns": [
            col("cost_centre", "string", "Code", PUB),
            col("name", "string", "Name", PUB),
            col("owner_team", "string", "Owning team", PUB),
        ],
    },
    {
        "slug": "finance-fx-rates",
        "name": "FX rates",
        "domain": "finance",
        "team": "finance-reporting",
        "database": "finance",
        "table": "fx_rates",
        "classification": PUB,
        "criticality": "medium",
        "summary": "Daily ECB reference exchange rates.",
        "tags": ["fx", "reference-data"],
        "freshness": 24,
        "quality": 100.0,
        "policy": "auto",
        "columns": [
            col("day", "date", "Day", PUB),
            col("currency", "string", "ISO currency", PUB),
            col("eur_rate", "decimal(12,6)", "Units per EUR", PUB),
        ],
    },
]


def glue_seed(region: str = "eu-west-1") -> dict[str, Any]:
    """The emulator seed (aws_emulator/seed.py format): Glue databases and tables per account,
    Lake Formation admins, and the organization whose accounts share without RAM invitations."""
    databases: dict[str, list[dict[str, Any]]] = {}
    for product in PRODUCTS:
        databases.setdefault(product["database"], []).append(
            {
                "name": product["table"],
                "description": product["summary"],
                "location": f"s3://mesh-{product['domain']}-{PRODUCER}/{product['table']}/",
                "format": "parquet",
                "columns": [
                    {"name": c["name"], "type": c["data_type"], "comment": c["description"]} for c in product["columns"]
                ],
            }
        )
    accounts = []
    for account in ACCOUNTS:
        acct = account["account_id"]
        dbs = (
            []
            if acct != PRODUCER
            else [
                {
                    "name": db,
                    "description": f"{db.title()} domain",
                    "location": f"s3://mesh-{db}-{PRODUCER}/",
                    "tables": tables,
                }
                for db, tables in databases.items()
            ]
        )
        accounts.append(
            {
                "id": acct,
                "name": account["name"],
                "data_lake_admins": [f"arn:aws:iam::{acct}:role/MeshPortal"],
                "databases": dbs,
                "iam_roles": (
                    [{"name": name, "path": path} for _, _, name, path, _, _ in CONSUMER_ROLES]
                    if acct == CONSUMER
                    else []
                ),
            }
        )
    return {"region": region, "organizations": {ORG_ID: [CENTRAL, PRODUCER]}, "accounts": accounts}
