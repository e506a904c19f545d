"""The fictional city whose mail the demo generates: departments, staff, topics."""

from __future__ import annotations

from dataclasses import dataclass

DOMAIN = "springvale-co.example"


@dataclass(frozen=True)
class Person:
    name: str
    title: str
    department: str

    @property
    def mailbox(self) -> str:
        first, last = self.name.lower().split(" ", 1)
        return f"{first[0]}{last.replace(' ', '')}"

    @property
    def address(self) -> str:
        return f"{self.mailbox}@{DOMAIN}"


STAFF = [
    Person("Maria Delgado", "City Clerk", "City Clerk"),
    Person("Owen Whitaker", "Deputy City Clerk", "City Clerk"),
    Person("Priya Raman", "City Attorney", "City Attorney"),
    Person("Daniel Okafor", "Assistant City Attorney", "City Attorney"),
    Person("Grace Lindqvist", "Police Chief", "Police"),
    Person("Tomás Herrera", "Records Sergeant", "Police"),
    Person("Helen Park", "Parks Director", "Parks and Recreation"),
    Person("Samuel Boone", "Recreation Supervisor", "Parks and Recreation"),
    Person("Ruth Castillo", "Public Works Director", "Public Works"),
    Person("Ivan Petrov", "Streets Superintendent", "Public Works"),
    Person("Lena Fischer", "Finance Director", "Finance"),
    Person("Marcus Reed", "Budget Analyst", "Finance"),
    Person("Aisha Bello", "HR Director", "Human Resources"),
    Person("Kevin Tran", "Benefits Coordinator", "Human Resources"),
    Person("Nora Quinn", "Water Utility Manager", "Water Utility"),
    Person("Eli Navarro", "Planning Manager", "Planning"),
]

# (subject, body paragraphs, attachment kind or None). {placeholders} are filled per message.
TOPICS = [
    ("FY{year} budget amendment for {dept}",
     ["Attached is the revised line-item budget for {dept}. The amendment moves "
      "${amount} from contingency to operations.",
      "Council will see it at the {weekday} study session; please confirm the figures by then."],
     "csv"),
    ("Snow route plan update",
     ["Public Works revised the priority snow routes after the last storm.",
      "Residents on Juniper Street asked for earlier plowing near the elementary school."],
     "pdf"),
    ("Park pavilion reservation dispute",
     ["A resident says the pavilion at Cottonwood Park was double-booked for {weekday}.",
      "Please send me the reservation history so we can answer before the council meeting."],
     None),
    ("Water main break on {street}",
     ["Crews isolated the break at {street} at 6:40 this morning; about 40 homes are without water.",
      "Call the on-call supervisor at {phone} with questions."],
     None),
    ("Records request follow-up",
     ["The requester asked again about the police reports from the {street} incident.",
      "We are still inside the CORA deadline; I will draft the response letter today."],
     "docx"),
    ("Employee medical leave paperwork",
     ["{employee} submitted FMLA paperwork: the physician's diagnosis lists a herniated disc "
      "and a course of physical therapy.",
      "Please keep this in the confidential personnel file. Employee SSN on the form: {ssn}."],
     "pdf"),
    ("Workers' compensation claim",
     ["The workers' compensation claim for {employee} was filed after the injury at the "
      "maintenance yard. The ER doctor prescribed ibuprofen and two weeks of light duty.",
      "Adjuster phone: {phone}."],
     None),
    ("New hire onboarding: {employee}",
     ["Please set up payroll for {employee}. SSN {ssn}, direct deposit form attached.",
      "Start date is the first Monday of next month."],
     "docx"),
    ("Zoning variance hearing notes",
     ["Notes from the variance hearing on the {street} duplex are attached.",
      "Planning recommends approval with conditions on parking."],
     "pdf"),
    ("Litigation hold question",
     ["Counsel for the plaintiff in the {street} sidewalk case sent a preservation letter.",
      "Until we place a formal hold, please do not delete anything about that sidewalk repair."],
     None),
    ("Vendor invoice discrepancy",
     ["Invoice 2291 from the paving contractor bills 1,200 tons; the field tickets show 1,050.",
      "Please hold payment until Finance reconciles it."],
     "csv"),
    ("Council packet items for {weekday}",
     ["Here are the agenda items for the council packet.",
      "The clerk's office needs final versions by noon."],
     "docx"),
]

STREETS = ["Juniper Street", "Aspen Way", "Cottonwood Avenue", "Mesa Drive", "Pinon Court",
           "Columbine Road", "Arapahoe Street", "Larimer Avenue"]
EMPLOYEES = ["Jordan Ellis", "Casey Morgan", "Riley Santos", "Taylor Brooks", "Morgan Avila"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday"]

VOICEMAILS = [
    ("(303) 555-0142", "Resident", "ipetrov", "Hi, this is Carla Jimenez on Mesa Drive. The "
     "streetlight in front of 410 Mesa has been out for two weeks. Please call me back at "
     "303-555-0142."),
    ("(720) 555-0188", "Attorney's office", "praman", "This is Mark Feld from Feld and Ortiz "
     "returning your call about the sidewalk claim on Aspen Way. Our client's medical bills "
     "so far are about eleven thousand dollars. My number is 720-555-0188."),
    ("(303) 555-0117", "Reporter", "mdelgado", "Hello, Jamie Cho with the Springvale Ledger. "
     "I sent a records request Monday for the water main emails and wanted to confirm you "
     "received it. 303-555-0117. Thanks."),
    ("(970) 555-0163", "Contractor", "rcastillo", "Ruth, it's Dale from High Plains Paving. "
     "We can start the Juniper overlay next Tuesday if the weather holds. Call me."),
    ("(303) 555-0199", "Resident", "hpark", "Hi, I reserved the Cottonwood pavilion for my "
     "daughter's birthday on Saturday and someone else is listed. Please call 303-555-0199."),
]
