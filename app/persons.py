"""The person supported: identity, how to reach them, who may be contacted, what helps them engage."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app import nhs_number
from app.errors import InvalidInput
from storage import models


class Nation(enum.StrEnum):
    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


class Channel(enum.StrEnum):
    PHONE = "phone"
    TEXT = "text"
    EMAIL = "email"
    VISIT = "visit"
    LETTER = "letter"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True, slots=True)
class ContactMethod:
    """One way to reach the person; a person's methods are kept in their preferred order."""

    channel: Channel
    value: str = field(repr=False)
    safe_to_leave_message: bool = False
    # For THIRD_PARTY: who, and whether the person agrees they may be contacted.
    via: str | None = field(default=None, repr=False)
    consented: bool = False

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ContactMethod:
        return cls(
            Channel(doc["channel"]),
            doc["value"],
            bool(doc.get("safe_to_leave_message", False)),
            doc.get("via"),
            bool(doc.get("consented", False)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel.value,
            "value": self.value,
            "safe_to_leave_message": self.safe_to_leave_message,
            "via": self.via,
            "consented": self.consented,
        }


@dataclass(frozen=True, slots=True)
class SupportNetworkMember:
    name: str = field(repr=False)
    relationship: str = field(repr=False)
    phone: str | None = field(default=None, repr=False)
    may_contact: bool = False

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> SupportNetworkMember:
        return cls(doc["name"], doc["relationship"], doc.get("phone"), bool(doc.get("may_contact", False)))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "relationship": self.relationship,
            "phone": self.phone,
            "may_contact": self.may_contact,
        }


@dataclass(frozen=True, slots=True)
class Person:
    id: uuid.UUID
    given_name: str = field(repr=False)
    family_name: str = field(repr=False)
    preferred_name: str = field(repr=False)
    pronouns: str | None = field(repr=False)
    date_of_birth: date | None = field(repr=False)
    nhs_number: str | None = field(repr=False)
    address: str | None = field(repr=False)
    nation: Nation
    area: str
    contact_methods: tuple[ContactMethod, ...] = field(repr=False)
    support_network: tuple[SupportNetworkMember, ...] = field(repr=False)
    communication_needs: tuple[str, ...] = field(repr=False)
    contact_frequency_days: int | None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @classmethod
    def from_row(cls, row: models.Person) -> Person:
        return cls(
            id=row.id,
            given_name=row.given_name,
            family_name=row.family_name,
            preferred_name=row.preferred_name,
            pronouns=row.pronouns,
            date_of_birth=row.date_of_birth,
            nhs_number=row.nhs_number,
            address=row.address,
            nation=Nation(row.nation),
            area=row.area,
            contact_methods=tuple(ContactMethod.from_json(m) for m in row.contact_methods),
            support_network=tuple(SupportNetworkMember.from_json(m) for m in row.support_network),
            communication_needs=tuple(row.communication_needs),
            contact_frequency_days=row.contact_frequency_days,
        )


def validate_person_fields(
    given_name: str, family_name: str, preferred_name: str, nhs: str | None, nation: str
) -> tuple[str | None, Nation]:
    """Check the required identity fields; returns the normalised NHS number and nation."""
    for label, value in (("Given name", given_name), ("Family name", family_name)):
        if not value.strip():
            raise InvalidInput(label, "is required")
    if not preferred_name.strip():
        raise InvalidInput("Preferred name", "is required")
    digits = nhs_number.validate(nhs) if nhs else None
    try:
        parsed_nation = Nation(nation)
    except ValueError:
        raise InvalidInput("Nation", "must be england, wales, scotland or northern-ireland") from None
    return digits, parsed_nation
