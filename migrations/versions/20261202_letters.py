"""letters to requesters (templates with versions, the letters sent) and requester links

The default wording of each kind of letter is seeded as its template"s version 1;
the city edits it through the API (each edit a new version).

Revision ID: 0010_letters
Revises: 0009_review_and_fees
Create Date: 2026-12-02 02:20:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = "0010_letters"
down_revision: str | None = "0009_review_and_fees"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "letter_templates",
        sa.Column(
            "kind",
            sa.Enum(
                "acknowledgement",
                "extension_notice",
                "fee_estimate",
                "denial",
                "closing",
                name="letter_kind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_templates")),
        sa.UniqueConstraint("kind", name=op.f("uq_letter_templates_kind")),
    )
    op.create_table(
        "letter_template_versions",
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject_template", sa.Text(), nullable=False),
        sa.Column("body_template", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_letter_template_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["letter_templates.id"],
            name=op.f("fk_letter_template_versions_template_id_letter_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_template_versions")),
        sa.UniqueConstraint("template_id", "version", name=op.f("uq_letter_template_versions_template_id")),
    )
    with op.batch_alter_table("letter_template_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_letter_template_versions_template_id"), ["template_id"], unique=False
        )

    op.create_table(
        "letters",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "acknowledgement",
                "extension_notice",
                "fee_estimate",
                "denial",
                "closing",
                name="letter_kind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("template_version_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("html_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("outbox_message_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_letters_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["html_sha256"], ["blobs.sha256"], name=op.f("fk_letters_html_sha256_blobs")),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"], ["mail_outbox.id"], name=op.f("fk_letters_outbox_message_id_mail_outbox")
        ),
        sa.ForeignKeyConstraint(["pdf_sha256"], ["blobs.sha256"], name=op.f("fk_letters_pdf_sha256_blobs")),
        sa.ForeignKeyConstraint(
            ["request_id"], ["records_requests.id"], name=op.f("fk_letters_request_id_records_requests")
        ),
        sa.ForeignKeyConstraint(
            ["template_version_id"],
            ["letter_template_versions.id"],
            name=op.f("fk_letters_template_version_id_letter_template_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
    )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letters_request_id"), ["request_id"], unique=False)

    op.create_table(
        "request_links",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_request_links_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["records_requests.id"], name=op.f("fk_request_links_request_id_records_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_links")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_request_links_token_sha256")),
    )
    with op.batch_alter_table("request_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_links_request_id"), ["request_id"], unique=False)

    _seed_templates()


def downgrade() -> None:
    with op.batch_alter_table("request_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_links_request_id"))

    op.drop_table("request_links")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letters_request_id"))

    op.drop_table("letters")
    with op.batch_alter_table("letter_template_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_template_versions_template_id"))

    op.drop_table("letter_template_versions")
    op.drop_table("letter_templates")


SEEDED_AT = datetime(2026, 12, 2, tzinfo=UTC)
HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ request_number }}</title>
<link rel="stylesheet" href="letter.css"></head>
<body>
<header><h1>{{ city_name }}</h1><p>Office of the Records Custodian</p></header>
<p class="date">{{ letter_date }}</p>
<p class="to">{{ requester_name }}{% if requester_organization %}<br>{{ requester_organization }}{% endif %}</p>
<p class="re">Re: Colorado Open Records Act request {{ request_number }}, received {{ received_date }}</p>
<p>Dear {{ requester_name }},</p>
"""
TAIL = """{% if note %}<p>{{ note }}</p>{% endif %}
<p>If you have questions, reply to this message and include your request number,
{{ request_number }}.</p>
<p class="signature">Sincerely,<br>Records Custodian<br>{{ city_name }}</p>
</body></html>
"""
TEMPLATES = [
    (
        "a4b6dadd-7216-4a13-b930-89049f2e10ac",
        "5a0b3aa7-58ae-44e8-aba5-7cb82d275f58",
        "acknowledgement",
        "Acknowledgement of a request",
        "Your records request {{ request_number }} has been received",
        """<p>Thank you for your request under the Colorado Open Records Act (C.R.S. 24-72-201 to
206). We received it on {{ received_date }} and gave it the number <strong>{{ request_number }}</strong>.</p>
<p>You asked for: {{ request_description }}</p>
<p>Under C.R.S. 24-72-203(3), records that are readily available are provided within three
working days. We expect to respond by <strong>{{ due_date }}</strong>. If extenuating
circumstances require more time, we will tell you before then.</p>
<p>Under C.R.S. 24-72-205, the first hour of research and retrieval is free; if your request
needs more, we will send you an estimate of the fees before doing the work.
There is no charge for sending records by e-mail.</p>
""",
    ),
    (
        "76616a2b-51db-4217-869d-f30bd8b483c5",
        "f9ce6c6b-9b41-427e-8862-73b842c749da",
        "extension_notice",
        "Notice of extension",
        "Your records request {{ request_number }}: more time is needed",
        """<p>We are writing about your request {{ request_number }}, received on {{ received_date }}.</p>
<p>Extenuating circumstances exist, so under C.R.S. 24-72-203(3)(b) we are extending the time to
respond by up to seven working days. The reason: {{ extension_reason }}</p>
<p>We will respond by <strong>{{ extended_due_date }}</strong> (instead of {{ due_date }}).</p>
""",
    ),
    (
        "3c98c44a-9492-47f3-9509-b969a747f7e8",
        "0dcdcca7-13f1-492d-ba15-a03ad487f900",
        "fee_estimate",
        "Estimate of fees",
        "Your records request {{ request_number }}: estimate of fees",
        """<p>We have estimated the cost of answering your request {{ request_number }} under
C.R.S. 24-72-205. The first hour of research and retrieval is free; the hours below are those
after it.</p>
<table>
<tr><th>Research and retrieval</th><td>{{ fees.research_hours }} hours at ${{ fees.hourly_rate }} an hour</td><td class="amount">${{ fees.research_fee }}</td></tr>
<tr><th>Copies</th><td>{{ fees.pages }} pages at ${{ fees.page_rate }} a page</td><td class="amount">${{ fees.copy_fee }}</td></tr>
<tr class="total"><th>Total</th><td></td><td class="amount">${{ fees.total }}</td></tr>
</table>
<p>There is no charge for sending records by e-mail. Please tell us whether you would like us
to go ahead; records will be provided within three working days after payment is received.</p>
""",
    ),
    (
        "ebe6e7b4-774e-4c6d-a8bc-6cb8ca37d477",
        "338701e8-cf26-4604-b115-f7552483cdc5",
        "denial",
        "Denial or partial denial",
        "Your records request {{ request_number }}: records {% if partial %}partly {% endif %}withheld",
        """<p>We have reviewed the records responsive to your request {{ request_number }}.
{% if partial %}We are providing some of them, and withholding others or parts of others{% else %}We are
withholding the records{% endif %} on the following grounds, under C.R.S. 24-72-204:</p>
<ul class="grounds">
{% for ground in grounds %}<li><strong>{{ ground.code }}</strong>: {{ ground.title }}</li>
{% endfor %}</ul>
<p>Under C.R.S. 24-72-204(4) you may ask for a written statement of the grounds for this
denial, and under C.R.S. 24-72-204(5) you may apply to the district court for an order
allowing you to inspect the records.</p>
""",
    ),
    (
        "cf0fd21f-903b-42ef-9ae7-af2113c56acc",
        "65fd5943-68d6-4dc9-b7b1-5320aab69ef5",
        "closing",
        "Closing of a request",
        "Your records request {{ request_number }} is closed",
        """<p>We have finished our work on your request {{ request_number }}, received on
{{ received_date }}, and it is now closed.</p>
<p>If you believe we missed records you asked for, you may send a new request at any time.</p>
""",
    ),
]


def _seed_templates() -> None:
    templates = sa.table(
        "letter_templates",
        sa.column("id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("name", sa.String()),
        sa.column("created_at", UTCDateTime()),
    )
    versions = sa.table(
        "letter_template_versions",
        sa.column("id", sa.Uuid()),
        sa.column("template_id", sa.Uuid()),
        sa.column("version", sa.Integer()),
        sa.column("subject_template", sa.Text()),
        sa.column("body_template", sa.Text()),
        sa.column("created_by", sa.String()),
        sa.column("created_by_id", sa.Uuid()),
        sa.column("created_at", UTCDateTime()),
    )
    op.bulk_insert(
        templates,
        [
            {"id": UUID(template), "kind": kind, "name": name, "created_at": SEEDED_AT}
            for template, _, kind, name, _, _ in TEMPLATES
        ],
    )
    op.bulk_insert(
        versions,
        [
            {
                "id": UUID(version),
                "template_id": UUID(template),
                "version": 1,
                "subject_template": subject,
                "body_template": HEAD + body + TAIL,
                "created_by": "custodia (default wording)",
                "created_by_id": None,
                "created_at": SEEDED_AT,
            }
            for template, version, _, _, subject, body in TEMPLATES
        ],
    )
