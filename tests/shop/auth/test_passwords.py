from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from shop.auth import passwords
from shop.auth.errors import WeakPassword
from shop.auth.passwords import IS_EMAIL, TOO_COMMON, TOO_LONG, TOO_SHORT

EMAIL = "jane.doe@example.com"


class TestCommonPasswords:
    def test_ships_a_real_list_of_at_least_ten_thousand(self) -> None:
        lines = passwords.COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
        assert len(lines) >= 10_000
        assert len(set(lines)) == len(lines)
        assert all(line and line == line.lower() and line == line.strip() for line in lines)
        assert lines[:3] == ["123456", "password", "12345678"]

    def test_holds_well_known_long_passwords(self) -> None:
        assert {"password1", "iloveyou", "sunshine", "qwerty123", "trustno1"} <= (
            passwords.common_passwords()
        )


class TestPasswordProblems:
    def test_good_password(self) -> None:
        assert passwords.password_problems("violet tram 42 plinth", email=EMAIL) == []

    def test_exactly_eight_characters(self) -> None:
        assert passwords.password_problems("k7#Qz!m2", email=EMAIL) == []

    def test_too_short(self) -> None:
        assert passwords.password_problems("k7#Qz!m", email=EMAIL) == [TOO_SHORT]

    def test_empty(self) -> None:
        assert passwords.password_problems("", email=EMAIL) == [TOO_SHORT]

    def test_exactly_the_maximum_length(self) -> None:
        assert passwords.password_problems("x" * 128, email=EMAIL) == []

    def test_too_long(self) -> None:
        assert passwords.password_problems("x" * 129, email=EMAIL) == [TOO_LONG]

    def test_too_common(self) -> None:
        assert passwords.password_problems("password1", email=EMAIL) == [TOO_COMMON]

    def test_too_common_in_any_case(self) -> None:
        assert passwords.password_problems("PassWord1", email=EMAIL) == [TOO_COMMON]

    def test_too_common_after_unicode_normalisation(self) -> None:
        fullwidth = "ｐａｓｓｗｏｒｄ１"  # NFKC turns these into ASCII "password1"
        assert passwords.password_problems(fullwidth, email=EMAIL) == [TOO_COMMON]

    def test_short_and_common_names_both(self) -> None:
        assert passwords.password_problems("123456", email=EMAIL) == [TOO_SHORT, TOO_COMMON]

    def test_equal_to_the_email(self) -> None:
        assert passwords.password_problems("Jane.Doe@Example.com", email=EMAIL) == [IS_EMAIL]

    def test_equal_to_the_local_part(self) -> None:
        assert passwords.password_problems("jane.doe", email=EMAIL) == [IS_EMAIL]

    def test_containing_the_email_is_allowed(self) -> None:
        assert passwords.password_problems("jane.doe is here 4 good", email=EMAIL) == []

    def test_no_composition_rules(self) -> None:
        assert passwords.password_problems("lowercase only words", email=EMAIL) == []


class TestCheckPassword:
    def test_passes_a_good_password(self) -> None:
        passwords.check_password("violet tram 42 plinth", email=EMAIL)

    def test_names_each_broken_rule(self) -> None:
        with pytest.raises(WeakPassword) as caught:
            passwords.check_password("123456", email=EMAIL)
        assert caught.value.code == "weak_password"
        assert caught.value.status == 422
        assert caught.value.message == (
            "the password must be at least 8 characters; "
            "the password is too common; choose a less predictable password"
        )
        assert caught.value.extra == {
            "errors": [
                {"field": "password", "message": "must be at least 8 characters"},
                {
                    "field": "password",
                    "message": "is too common; choose a less predictable password",
                },
            ]
        }


class TestHashing:
    async def test_hash_is_argon2id_and_verifies(self) -> None:
        hashed = await passwords.hash_password("violet tram 42 plinth")
        assert hashed.startswith("$argon2id$")
        assert "violet" not in hashed
        assert await passwords.verify_password(hashed, "violet tram 42 plinth") is True

    async def test_wrong_password(self) -> None:
        hashed = await passwords.hash_password("violet tram 42 plinth")
        assert await passwords.verify_password(hashed, "violet tram 42 plinthX") is False

    async def test_garbage_hash_never_verifies(self) -> None:
        assert await passwords.verify_password("not-a-hash", "anything at all") is False

    async def test_equivalent_unicode_forms_verify(self) -> None:
        hashed = await passwords.hash_password("caf\u00e9 au lait 99")  # composed é
        assert await passwords.verify_password(hashed, "cafe\u0301 au lait 99") is True

    async def test_dummy_verification_answers_nothing(self) -> None:
        await passwords.verify_dummy("whatever they typed")  # returns nothing, raises nothing

    async def test_current_parameters_need_no_rehash(self) -> None:
        hashed = await passwords.hash_password("violet tram 42 plinth")
        assert passwords.needs_rehash(hashed) is False

    def test_other_parameters_need_rehash(self) -> None:
        old = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash("x" * 10)
        assert passwords.needs_rehash(old) is True

    def test_production_parameters_are_rfc_9106_low_memory(self) -> None:
        hasher = passwords.Hashing(PasswordHasher()).hasher
        assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)


class TestGeneratePassword:
    def test_passes_the_rules_and_differs_each_time(self) -> None:
        generated = {passwords.generate_password() for _ in range(20)}
        assert len(generated) == 20
        for password in generated:
            assert passwords.password_problems(password, email=EMAIL) == []
            assert len(password) == 16
