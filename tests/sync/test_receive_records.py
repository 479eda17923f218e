"""Every record type read back from the wire becomes a row that serialises to the very bytes it came as."""

import pytest

from storage import records
from sync.receive import row_from_envelope
from tests.storage.test_records import SAMPLES


@pytest.mark.parametrize("record_type", sorted(records.TYPES))
def test_a_received_record_reads_back_to_its_own_hash(record_type: str) -> None:
    body = records.envelope(SAMPLES[record_type])
    row = row_from_envelope({**body, "sha256": records.sha256(body)})
    assert row is not None and type(row) is records.TYPES[record_type].model
    assert records.envelope(row) == body
