from __future__ import annotations

import pytest

from linli.core import crypto


def test_a_value_encrypts_to_something_else_and_decrypts_back():
    stored = crypto.encrypt("330402199001011234", context="t.T.f")
    assert "330402199001011234" not in stored
    assert stored.startswith("k1$")
    assert crypto.decrypt(stored, context="t.T.f") == "330402199001011234"


def test_a_ciphertext_moved_to_another_column_does_not_decrypt():
    stored = crypto.encrypt("13812345678", context="people.User.phone")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored, context="people.User.id_number")


def test_the_blind_index_is_stable_and_separates_purposes():
    a = crypto.blind_index("13812345678", purpose="phone")
    assert a == crypto.blind_index(" 13812345678 ", purpose="phone")
    assert a != crypto.blind_index("13812345678", purpose="id_number")
    assert a != crypto.blind_index("13812345679", purpose="phone")


def test_masks_hide_the_middle():
    assert crypto.mask_id_number("330402199001011234") == "330402********1234"
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_phone("+8613812345678") == "138****5678"
    assert crypto.mask_name("张三丰") == "张**"
