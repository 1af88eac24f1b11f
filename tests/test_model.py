"""The contract models' base: instances share their explicitly-set field names safely."""

from __future__ import annotations

import sys

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


def test_instances_keep_their_values_in_dicts_that_share_keys() -> None:
    hop = CnameHop(name="a.example", target="b.example", ttl=60)
    query = DnsQuery(qname="a.example", qtype="A", outcome=Outcome.ANSWER, cname_chain=(hop,))
    assert query.__dict__ == {**dict(query), "cname_chain": (hop,)}
    assert query == DnsQuery.model_validate_json(query.model_dump_json())
    assert hash(hop) == hash(CnameHop(name="a.example", target="b.example", ttl=60))
    # The memory this saves: a key-sharing dict is smaller than a plain one of the same items.
    assert sys.getsizeof(query.__dict__) < sys.getsizeof(dict(query.__dict__))
    changed = query.model_copy(update={"detail": "note"})
    assert (changed.detail, query.detail) == ("note", None)
