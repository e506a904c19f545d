"""public texts: the CORA policy and fee schedule the portal publishes, in English and Spanish

Revision ID: 0016_public_texts
Revises: 0015_staff_sessions
Create Date: 2026-12-02 14:55:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = '0016_public_texts'
down_revision: str | None = '0015_staff_sessions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain defaults, written for Custodia; the city's administrators replace them at /admin/public-texts.
DEFAULTS = {
    ("cora_policy", "en"): (
        "Anyone may ask to inspect the city's public records under the Colorado Open Records "
        "Act (C.R.S. 24-72-201 and following). You do not need to give a reason, and you do not "
        "need to identify yourself: a name of your choice is enough.\n\n"
        "The city answers within three working days of receiving your request. Weekends and city "
        "holidays are not counted. When extenuating circumstances apply, the city may extend this "
        "period by up to seven more working days and will tell you why in writing.\n\n"
        "Some records, or parts of them, may be withheld where the law requires or allows it. If "
        "so, the city tells you which grounds it relied on."
    ),
    ("cora_policy", "es"): (
        "Cualquier persona puede solicitar la consulta de los registros públicos de la ciudad "
        "conforme a la Ley de Registros Abiertos de Colorado (C.R.S. 24-72-201 y siguientes). No "
        "necesita dar un motivo ni identificarse: basta con el nombre que usted elija.\n\n"
        "La ciudad responde dentro de los tres días hábiles siguientes a la recepción de su "
        "solicitud. No se cuentan los fines de semana ni los días festivos de la ciudad. Cuando "
        "existen circunstancias atenuantes, la ciudad puede prorrogar este plazo hasta siete días "
        "hábiles más y le explicará el motivo por escrito.\n\n"
        "Algunos registros, o partes de ellos, pueden retenerse cuando la ley lo exige o lo "
        "permite. En ese caso, la ciudad le indicará en qué fundamentos se basó."
    ),
    ("fee_schedule", "en"): (
        "The first hour of research and retrieval is free. After that, the city may charge an "
        "hourly fee no higher than the limit set by state law (C.R.S. 24-72-205(6)).\n\n"
        "Standard paper copies cost up to 25 cents per page. Records sent by e-mail or through "
        "this portal carry no copy charge.\n\n"
        "Before doing work that carries a fee, the city sends you an estimate. No work is charged "
        "without your agreement, and you may ask for a fee waiver."
    ),
    ("fee_schedule", "es"): (
        "La primera hora de búsqueda y recuperación es gratuita. Después, la ciudad puede cobrar "
        "una tarifa por hora que no supere el límite fijado por la ley estatal "
        "(C.R.S. 24-72-205(6)).\n\n"
        "Las copias estándar en papel cuestan hasta 25 centavos por página. Los registros enviados "
        "por correo electrónico o a través de este portal no tienen costo de copia.\n\n"
        "Antes de realizar un trabajo que tenga costo, la ciudad le envía un presupuesto. No se "
        "cobra ningún trabajo sin su conformidad, y usted puede solicitar la exención de tarifas."
    ),
}


def upgrade() -> None:
    texts = op.create_table('public_texts',
    sa.Column('key', sa.Enum('cora_policy', 'fee_schedule', name='public_text_key', native_enum=False, length=24), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_texts')),
    sa.UniqueConstraint('key', 'language', name=op.f('uq_public_texts_key'))
    )
    seeded = datetime(2026, 12, 2, tzinfo=UTC)
    op.bulk_insert(texts, [
        {"id": uuid.uuid4(), "key": key, "language": language, "body": body,
         "updated_at": seeded, "updated_by": "migration 0016_public_texts", "updated_by_id": None}
        for (key, language), body in DEFAULTS.items()
    ])


def downgrade() -> None:
    op.drop_table('public_texts')
