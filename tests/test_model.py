"""The contract models' base: instances share their explicitly-set field names safely."""

from __future__ import annotations

from cloudaudit.discovery.models import CnameHop, DnsQuery, Outcome


def test_instances_given_the_same_fields_share_one_set_and_keep_their_own_answer() -> None:
    first = CnameHop(name="a.example", target="b.example", ttl=60)
    second = CnameHop.model_validate_json('{"name": "c.example", "target": "d.example", "ttl": 1}')
    assert first.model_fields_set == {"name", "target", "ttl"}
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__

    sparse = DnsQuery(qname="a.example", qtype="A", outcome=Outcome.ANSWER)
    assert sparse.model_fields_set == {"qname", "qtype", "outcome"}
    # Defaults stay out of a dump that asks for set fields only.
    assert set(sparse.model_dump(exclude_unset=True)) == {"qname", "qtype", "outcome"}


def test_a_copy_with_updates_does_not_change_the_shared_set() -> None:
    original = DnsQuery(qname="a.example", qtype="A", outcome=Outcome.ANSWER)
    sibling = DnsQuery(qname="b.example", qtype="A", outcome=Outcome.NXDOMAIN)
    copied = original.model_copy(update={"detail": "changed"})
    assert copied.model_fields_set == {"qname", "qtype", "outcome", "detail"}
    assert original.model_fields_set == sibling.model_fields_set == {"qname", "qtype", "outcome"}
