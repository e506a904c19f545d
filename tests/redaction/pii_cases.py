"""The PII recall set: synthetic texts (written for these tests; every person, number and
address is invented) and what detection must find in each, as (detector, quote).

Plain data with no import of the app, so bench/presidio_compare.py can run it through
Presidio in a separate virtualenv."""

from __future__ import annotations

from typing import NamedTuple

CITY_DOMAINS = ("westview.gov",)


class Case(NamedTuple):
    text: str
    expected: tuple[tuple[str, str], ...]
    optional: bool = False  # personal_email and home_address on, city_domains = CITY_DOMAINS


CASES: tuple[Case, ...] = (
    # --- SSNs, specimen numbers included ---
    Case("Employee SSN: 524-71-3386, please update payroll.", (("ssn", "524-71-3386"),)),
    Case("The form shows 078-05-1120 as his social security number.", (("ssn", "078-05-1120"),)),
    Case("Test record 219-09-9999 was entered by the clerk.", (("ssn", "219-09-9999"),)),
    Case("Her number is 612 48 2290 on the application.", (("ssn", "612 48 2290"),)),
    Case("SSN 524713386 (no dashes) on the W-4.", (("ssn", "524713386"),)),
    Case("soc sec no. 431882019 attached", (("ssn", "431882019"),)),
    # --- spoken digits ---
    Case("Hi, my social is oh seven eight, oh five, one one two oh. Thanks.",
         (("ssn", "oh seven eight, oh five, one one two oh"),)),
    Case("Voicemail: my social security number is four one two, five five, seven eight nine one.",
         (("ssn", "four one two, five five, seven eight nine one"),)),
    Case("Please call me back at seven two zero, five five five, zero one four two.",
         (("phone", "seven two zero, five five five, zero one four two"),)),
    Case("You can reach me at three zero three, double five five, one two one two.",
         (("phone", "three zero three, double five five, one two one two"),)),
    Case("my cell is 720 triple five 0 one nine nine, bye", (("phone", "720 triple five 0 one nine nine"),)),
    Case("The PIN is four eight two one and the door code is 5 5 7 1.",
         (("credential", "four eight two one"), ("credential", "5 5 7 1"))),
    # --- cards ---
    Case("Charge it to Visa 4111 1111 1111 1111, exp 09/27.", (("card", "4111 1111 1111 1111"),)),
    Case("card no 5500-0000-0000-0004 on file", (("card", "5500-0000-0000-0004"),)),
    Case("Amex 378282246310005 for the hotel.", (("card", "378282246310005"),)),
    Case("Paid with 6011111111111117 at the counter.", (("card", "6011111111111117"),)),
    # --- bank accounts and routing numbers ---
    Case("Direct deposit to account number 000123456789 please.", (("bank_account", "000123456789"),)),
    Case("Acct# 4402917736 at First Bank.", (("bank_account", "4402917736"),)),
    Case("ABA routing number 121000248 for Wells Fargo.", (("routing", "121000248"),)),
    Case("RTN: 011000015", (("routing", "011000015"),)),
    Case("Checking acct 77812093 routing 102000021",
         (("bank_account", "77812093"), ("routing", "102000021"))),
    # --- phones ---
    Case("Call me at (303) 555-0142 after five.", (("phone", "(303) 555-0142"),)),
    Case("cell: 720.555.0199", (("phone", "720.555.0199"),)),
    Case("Fax +1 303 555 0177 to the clerk.", (("phone", "+1 303 555 0177"),)),
    Case("Reach Dana on 303-555-0123 x204.", (("phone", "303-555-0123 x204"),)),
    # --- dates of birth ---
    Case("DOB: 03/14/1980", (("dob", "03/14/1980"),)),
    Case("Date of birth 1975-11-02, male.", (("dob", "1975-11-02"),)),
    Case("She was born on July 4, 1990 in Pueblo.", (("dob", "July 4, 1990"),)),
    Case("Birthday: 14 March 1982", (("dob", "14 March 1982"),)),
    Case("D.O.B. 2-9-71", (("dob", "2-9-71"),)),
    # --- Colorado driver's licences ---
    Case("Colorado DL 12-345-6789 was suspended.", (("drivers_licence", "12-345-6789"),)),
    Case("License 98-765-4321 on the citation.", (("drivers_licence", "98-765-4321"),)),
    Case("driver's license number 983451276 expired", (("drivers_licence", "983451276"),)),
    Case("CDL: 123098456", (("drivers_licence", "123098456"),)),
    # --- passwords, PINs, credentials ---
    Case("The wifi password: hunter2", (("credential", "hunter2"),)),
    Case("Login with pwd=Tr0ub4dor&3 today", (("credential", "Tr0ub4dor&3"),)),
    Case("Your PIN 4821 is active.", (("credential", "4821"),)),
    Case("The passcode is 7731.", (("credential", "7731"),)),
    Case("username: jdoe42 password: Spring2026!", (("credential", "jdoe42"), ("credential", "Spring2026!"))),
    Case('Login is "mgarcia" and the password is "blue horse 9".',
         (("credential", "mgarcia"), ("credential", "blue horse 9"))),
    Case("api key: sk_live_4eC39HqLyjWDarjtT1zdp7dc", (("credential", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),)),
    Case("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8",
         (("credential", "eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8"),)),
    # --- medical ---
    Case("He was diagnosed with type 2 diabetes last year.",
         (("medical", "diagnosed with"), ("medical", "type 2 diabetes"))),
    Case("Out for knee surgery; on FMLA until June.", (("medical", "knee surgery"), ("medical", "FMLA"))),
    Case("She takes Zoloft for an anxiety disorder.",
         (("medical", "Zoloft"), ("medical", "anxiety disorder"))),
    Case("Officer placed on a 72-hour hold, PTSD suspected.",
         (("medical", "72-hour hold"), ("medical", "PTSD"))),
    Case("history of bipolar\ndisorder and chemotherapy",
         (("medical", "bipolar\ndisorder"), ("medical", "chemotherapy"))),
    # --- optional detectors ---
    Case("Send it to jane.roe77@gmail.com, not jroe@westview.gov.",
         (("personal_email", "jane.roe77@gmail.com"),), optional=True),
    Case("She lives at 1234 Main Street, Apt 5, Denver, CO 80202 with her son.",
         (("home_address", "1234 Main Street, Apt 5, Denver, CO 80202"),), optional=True),
    Case("Deliver to 77 W. Colfax Ave. today", (("home_address", "77 W. Colfax Ave."),), optional=True),
)

# Found by nothing (default options).
NEGATIVES: tuple[str, ...] = (
    "Invoice #123456789 is due on 03/14/2026.",
    "The meeting is on 03/14/1980 per the old minutes.",
    "Reference 987654321 in the ledger.",
    "Bates CITY-0001234 through CITY-0001299.",
    "WESTVIEW0004512 produced on CD.",
    "Part no. 123-45-6789-01 was ordered.",
    "Card 4111 1111 1111 1112 was declined.",
    "Routing number 121000249 looks wrong.",
    "The password is expired; reset it.",
    "WHY MS'S PASSWORD-REVEALING GLITCH SHOULD WORRY YOU",
    "Please give me one or two days.",
    "Order 5500000000000005 shipped.",
    "Cold weather and a stroke of luck.",
    "Contact jroe@westview.gov or jane.roe77@gmail.com.",
    "The office at 1234 Main Street is closed.",
)
