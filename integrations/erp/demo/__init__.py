"""The demo ERP: a deterministic, realistic German portfolio of any size."""

from integrations.erp.demo.connector import DemoConnector
from integrations.erp.demo.portfolio import REFERENCE_DATE

__all__ = ["REFERENCE_DATE", "DemoConnector"]
