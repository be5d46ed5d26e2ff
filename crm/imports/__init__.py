"""Import and export (django-import-export) of the records people keep in spreadsheets.

- ``widgets.py``: how a cell is read and written (是/否, 20亿, 2024年10月22日, names of records);
- ``base.py``: ``CRMResource``, the import door (rows through the services, the version lock);
- ``records.py``: one resource per kind of record, and how a row finds the record it updates.
"""

from .records import (
    AgreementResource,
    CapitalArrivalResource,
    CompanyResource,
    ContactResource,
    IndustryResource,
    MeetingResource,
    MilestoneResource,
    PartnerRequestResource,
    ProjectResource,
    TaskResource,
    TripResource,
)

__all__ = [
    "AgreementResource",
    "CapitalArrivalResource",
    "CompanyResource",
    "ContactResource",
    "IndustryResource",
    "MeetingResource",
    "MilestoneResource",
    "PartnerRequestResource",
    "ProjectResource",
    "TaskResource",
    "TripResource",
]
