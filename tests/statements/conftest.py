"""The cheque world (a cooperative with a scheme and a provider) is shared with the cheque tests."""

from tests.cheques.conftest import world

__all__ = ["world"]
