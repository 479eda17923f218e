from PySide6.QtCore import Qt

from ui.caseload_model import CaseloadFilter, CaseloadTableModel, Column, SortRole


def test_caseload_model_obeys_the_qt_model_contract(qtmodeltester, workspace) -> None:
    model = CaseloadTableModel()
    model.replace_rows(workspace.caseload.rows())
    qtmodeltester.check(model)
    proxy = CaseloadFilter()
    proxy.setSourceModel(model)
    proxy.set_query("999")
    qtmodeltester.check(proxy)


def test_caseload_sorts_by_work_due_never_by_anything_else(workspace) -> None:
    model = CaseloadTableModel()
    rows = workspace.caseload.rows()
    model.replace_rows(rows)
    proxy = CaseloadFilter()
    proxy.setSourceModel(model)
    proxy.sort(Column.OVERDUE)
    values = [proxy.index(r, Column.OVERDUE).data(SortRole) for r in range(proxy.rowCount())]
    assert values == sorted(values) and values[-1] >= 1
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert not any("risk" in h.lower() for h in headers)
