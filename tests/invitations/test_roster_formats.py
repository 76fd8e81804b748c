"""Roster files as the platforms really export them (tests/invitations/fixtures/): Moodle,
Canvas, Blackboard, Google, Microsoft and Excel, in their encodings, delimiters and quoting.
Each is read without hand-editing: the right people, names (Zoë O'Brien survives Windows-1252
and UTF-16), roles, and the columns that were ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentoring.invitations.services.roster import normalise, parse_roster

FIXTURES = Path(__file__).parent / "fixtures"
ZOE = ("zoe.obrien@uni.example", "Zoë", "O'Brien")
PRIYA = ("priya.shah@uni.example", "Priya", "Shah")


def _read(name: str):
    parsed = parse_roster((FIXTURES / name).read_bytes())
    assert parsed.file_errors == []
    assert [(r.line, r.error) for r in parsed.rows if r.error] == []
    return parsed


def _people(parsed):
    return [(r.email, r.first_name, r.last_name) for r in parsed.rows]


def test_moodle_participants_download():
    parsed = _read("moodle_participants.csv")
    assert [(r.line, r.email, r.role) for r in parsed.rows] == [
        (2, "zoe.obrien@uni.example", "member"),
        (3, "priya.shah@uni.example", "member"),
        (4, "t.ruiz@uni.example", "tutor"),  # Non-editing teacher
        (5, "ada@uni.example", "tutor"),  # "Student, Teacher": any tutor role makes a tutor
        (6, "grace@uni.example", "member"),  # "No roles"
    ]
    assert _people(parsed)[0] == ZOE
    assert parsed.columns == {
        "email": "Email address",
        "first_name": "First name",
        "last_name": "Last name",
        "role": "Roles",
    }
    assert parsed.warnings == ["Ignored columns: Groups, Last access to course, Status."]


def test_canvas_provisioning_users_report():
    parsed = _read("canvas_provisioning_users.csv")
    # Tomás has no email cell: his login, which is an address, stands in.
    assert _people(parsed) == [ZOE, PRIYA, ("tomas.ruiz@uni.example", "", "")]
    assert parsed.rows[0].display_name == "Zoë O'Brien"
    assert parsed.rows[2].display_name == "Tomás Ruiz"
    assert parsed.columns["email"] == "email" and parsed.columns["display_name"] == "full_name"
    assert "canvas_user_id" in parsed.warnings[0] and "status" in parsed.warnings[0]


def test_canvas_gradebook_export_turns_last_first_round_and_skips_its_extra_lines():
    parsed = _read("canvas_gradebook.csv")
    assert [(r.line, r.email, r.first_name, r.last_name, r.display_name) for r in parsed.rows] == [
        (3, "zoe.obrien@uni.example", "Zoë", "O'Brien", "Zoë O'Brien"),
        (4, "priya.shah@uni.example", "Priya", "Shah", "Priya Shah"),
    ]  # "Points Possible" (line 2) and "Student, Test" (line 5) are not people
    assert parsed.columns["email"] == "SIS Login ID"
    assert parsed.columns["display_name"] == "Student"


def test_blackboard_grade_centre_download_utf16_tabs():
    parsed = _read("blackboard_grade_centre.xls")
    assert _people(parsed) == [ZOE, PRIYA]
    assert parsed.columns["email"] == "Username"
    assert parsed.warnings == [
        "Ignored columns: Student ID, Last Access, Availability, "
        "Weighted Total [Total Pts: up to 0] |1023, Total [Total Pts: up to 100 Score] |1024."
    ]


def test_google_workspace_users_download():
    parsed = _read("google_workspace_users.csv")
    assert _people(parsed) == [ZOE, PRIYA]  # not the recovery, secondary or manager addresses
    assert parsed.columns["email"] == "Email Address [Required]"
    assert "New Primary Email [UPLOAD ONLY]" in parsed.warnings[0]
    assert "Manager Email" in parsed.warnings[0]


def test_google_classroom_grades_skip_the_points_line():
    parsed = _read("google_classroom_grades.csv")
    assert [r.line for r in parsed.rows] == [3, 4]
    assert _people(parsed) == [ZOE, PRIYA]


def test_google_contacts_export():
    parsed = _read("google_contacts.csv")
    assert _people(parsed) == [ZOE, PRIYA]
    assert parsed.columns["email"] == "E-mail 1 - Value"


def test_microsoft_365_admin_users_export():
    parsed = _read("microsoft365_users.csv")
    assert _people(parsed) == [ZOE, PRIYA]
    assert parsed.rows[0].display_name == "Zoë O'Brien"
    assert parsed.columns["email"] == "User principal name"


def test_entra_id_users_download_prefers_mail_over_the_principal_name():
    parsed = _read("entra_users.csv")
    assert _people(parsed) == [
        ZOE,
        PRIYA,  # no mail: the user principal name is the address
        ("mentor@school.example", "Mo", "Mentor"),  # a guest: its UPN is not its address
    ]
    assert "userType" in parsed.warnings[0]  # Member/Guest is not a cohort role


def test_outlook_contacts_export_in_windows_1252():
    raw = (FIXTURES / "outlook_contacts.csv").read_bytes()
    assert "Zoë".encode("cp1252") in raw
    parsed = _read("outlook_contacts.csv")
    assert _people(parsed) == [ZOE, PRIYA]  # not "E-mail Display Name" or "E-mail 2 Address"
    assert parsed.columns["email"] == "E-mail Address"


def test_excel_csv_in_windows_1252_with_semicolons():
    parsed = _read("excel_semicolon_windows1252.csv")
    assert [(r.email, r.first_name, r.last_name, r.role) for r in parsed.rows] == [
        (*ZOE, "member"),
        (*PRIYA, "tutor"),
    ]
    assert parsed.warnings == []


def test_excel_unicode_text_utf16_tabs_with_a_single_name_column():
    parsed = _read("excel_unicode_text.txt")
    assert [(r.email, r.display_name, r.first_name, r.last_name, r.role) for r in parsed.rows] == [
        ("zoe.obrien@uni.example", "Zoë O'Brien", "", "", "member"),
        ("priya.shah@uni.example", "Priya Shah", "Priya", "Shah", "tutor"),
    ]


@pytest.mark.parametrize(
    "header",
    ["Email", "E-mail", "e_mail", "EMAIL ADDRESS", "Email Address [Required]", "E-Mail-Adresse"],
)
def test_headers_match_whatever_their_case_spaces_and_punctuation(header):
    parsed = parse_roster(f"{header},Given name,Surname\nA@Uni.Example,Ada,Lovelace\n".encode())
    if header == "E-Mail-Adresse":  # a language we do not read: said so, not guessed
        assert parsed.file_errors[0][1].startswith("Missing column: email")
        return
    assert [(r.email, r.first_name, r.last_name) for r in parsed.rows] == [
        ("a@uni.example", "Ada", "Lovelace")
    ]


def test_normalise():
    assert normalise("Email Address [Required]") == "emailaddress"
    assert normalise("E-mail 1 - Value") == "email1value"
    assert normalise(" User principal name ") == "userprincipalname"
    assert normalise("Prénom") == "prenom"


def test_a_login_that_is_not_an_address_is_a_missing_address_not_a_bad_one():
    parsed = parse_roster(b"Last Name,First Name,Username\nShah,Priya,pshah\n")
    assert parsed.rows[0].error == "Missing e-mail address."


def test_an_unknown_platform_role_is_an_error_on_its_line():
    parsed = parse_roster(b'"Email address","Roles"\n"a@uni.example","Manager"\n')
    assert parsed.rows[0].error.startswith("Unknown role 'Manager'")


def test_excels_sep_line_and_a_workbook_instead_of_text():
    parsed = parse_roster(b"sep=;\r\nEmail;Name\r\na@uni.example;Ada\r\n")
    assert [(r.line, r.email, r.display_name) for r in parsed.rows] == [(3, "a@uni.example", "Ada")]
    workbook = parse_roster(b"PK\x03\x04" + b"\x00" * 40)
    assert "Excel workbook" in workbook.file_errors[0][1]


def test_a_comma_inside_quotes_does_not_choose_the_delimiter():
    parsed = parse_roster(b'"Name, as shown";Email\n"Ada";a@uni.example\n')
    assert parsed.rows[0].email == "a@uni.example"
