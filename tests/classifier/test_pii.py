"""Personal-data detectors on Chinese, English and mixed text."""

from __future__ import annotations

import pytest

from classifier import detect_pii
from classifier.pii import is_luhn_valid, is_prc_id, is_uscc

# Synthetic numbers: valid ones were built with the published check algorithms.
VALID_PRC_ID = "440301198510123416"
STANDARD_EXAMPLE_PRC_ID = "11010519491231002X"  # the example printed in GB 11643
VALID_CARD = "6222021234567894"
VALID_UNIONPAY_19 = "6217001234567890122"
VALID_USCC = "91110108MA01C2WX18"


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        (VALID_PRC_ID, True),
        (STANDARD_EXAMPLE_PRC_ID, True),
        ("11010519491231002x", True),
        ("440301198510123417", False),  # check digit off by one
        ("110105194912310021", False),  # check digit should be X
        ("110105194902300020", False),  # 30 February, check digit right
        ("440301209910123416", False),  # born in 2099
        ("990301198510123416", False),  # no province 99
    ],
)
def test_is_prc_id_candidate_checked(candidate: str, expected: bool) -> None:
    assert is_prc_id(candidate) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"身份证号：{VALID_PRC_ID}。", {"prc_id": 1}),
        (f"ID {STANDARD_EXAMPLE_PRC_ID} and {VALID_PRC_ID}", {"prc_id": 2}),
        ("身份证号：440301198510123417", {}),
        (f"订单号9{VALID_PRC_ID}", {}),  # inside a longer digit run
    ],
)
def test_detect_pii_prc_id_counted_only_when_valid(
    text: str, expected: dict[str, int]
) -> None:
    assert detect_pii(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机：13812345678", {"mobile": 1}),
        ("Tel +86 139 1234 5678 or 0086-15912345678", {"mobile": 2}),
        ("联系电话138-1234-5678，谢谢", {"mobile": 1}),
        ("发票号码 2024138123456789", {}),  # a phone-shaped slice of a longer number
        ("编号 913812345678", {}),
        ("12812345678", {}),  # second digit 2 is no mobile prefix
        ("1381234567", {}),  # ten digits
    ],
)
def test_detect_pii_mobile_standalone_only(text: str, expected: dict[str, int]) -> None:
    assert detect_pii(text) == expected


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("4111111111111111", True),
        ("4111111111111112", False),
        (VALID_CARD, True),
        (VALID_UNIONPAY_19, True),
        ("6217001234567890123", False),
    ],
)
def test_is_luhn_valid_digits_checked(digits: str, expected: bool) -> None:
    assert is_luhn_valid(digits) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"卡号：{VALID_CARD}", {"bank_card": 1}),
        ("Card 6222 0212 3456 7894 expires 12/29", {"bank_card": 1}),
        ("账号 6217-0012-3456-7890-122", {"bank_card": 1}),
        ("卡号：6222021234567895", {}),  # Luhn fails
        (f"流水号1{VALID_CARD}00", {}),  # inside a longer digit run
    ],
)
def test_detect_pii_bank_card_needs_luhn_and_own_number(
    text: str, expected: dict[str, int]
) -> None:
    assert detect_pii(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("邮箱：zhang.san@example.com。", {"email": 1}),
        ("Write to a.b+tag@mail.example.co.uk, or ops@example.org.", {"email": 2}),
        ("not an address: user@localhost, @example.com, a@b", {}),
        ("Send invoices to accounts.payable@example.com or sales@example.cn", {}),
    ],
)
def test_detect_pii_email_found_next_to_chinese(
    text: str, expected: dict[str, int]
) -> None:
    assert detect_pii(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("护照号码：E12345678", {"passport": 1}),
        ("Passport No. K12345678", {"passport": 1}),
        ("product code K12345678", {}),  # generic letter+8 digits without context
    ],
)
def test_detect_pii_passport_needs_prc_prefix_or_context(
    text: str, expected: dict[str, int]
) -> None:
    assert detect_pii(text) == expected


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [(VALID_USCC, True), ("91110108MA01C2WX19", False), ("91110108MA01C2WI18", False)],
)
def test_is_uscc_check_character_verified(candidate: str, expected: bool) -> None:
    assert is_uscc(candidate) is expected


def test_detect_pii_mixed_chinese_document_counts_each_kind() -> None:
    text = (
        "客户信息登记表\n"
        f"姓名：张三  身份证号：{VALID_PRC_ID}\n"
        "手机：13812345678  备用：+86 139 1234 5678\n"
        f"银行卡号：{VALID_CARD}  开户行：某银行\n"
        "邮箱：zhangsan@example.com\n"
        f"单位统一社会信用代码：{VALID_USCC}\n"
        "合同编号：HT2025-0001  金额：12,345.00元  日期：2025-01-02\n"
    )

    found = detect_pii(text)

    assert found == {
        "prc_id": 1,
        "mobile": 2,
        "bank_card": 1,
        "email": 1,
        "uscc": 1,
    }


def test_detect_pii_result_holds_no_values() -> None:
    found = detect_pii(f"ID {VALID_PRC_ID}, mail me at someone@example.com")

    assert all(isinstance(count, int) for count in found.values())
    assert VALID_PRC_ID not in repr(found)


def test_detect_pii_plain_business_text_finds_nothing() -> None:
    text = "Invoice 2024-0001 dated 2024-03-05, total 1,234.56 EUR, 13 items, PO 88812."

    assert detect_pii(text) == {}
