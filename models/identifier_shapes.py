"""The shapes of a street address and of a child's name in free text, for models.identifiers.

They are found by their shape, not looked up. A street address is a house number (or a flat's)
and capitalised words ending in a street word: "14 Acacia Avenue", "Flat 3, 22 Mill Lane". A
child's name is one to four capitalised words (a first name, middle names, a surname), not everyday
or agency words, straight after a word for a child ("Child Jayden Smith", "son Tyler", "a girl
called Amy Louise Jones") or after "name is", or straight before a date-of-birth word ("referral
for Tyler Smith born 3rd April 2019", "Tyler's DOB"). Each function takes the normalised text and
gives the spans it found.
"""

from __future__ import annotations

import re

# --- Street addresses --------------------------------------------------------------------------

_STREET_WORDS = (
    "Road Rd Street St Lane Ln Avenue Ave Close Drive Dr Way Crescent Cres Gardens Gdns Terrace Tce Place Court "
    "Ct Grove Walk Row Mews Square Sq Hill View Park Rise Green Parade Boulevard Vale Wharf Yard Croft Meadow "
    "Meadows Heights Quay Wynd Brae Broadway Glen Dale Orchard Fold Lea Grange Circus Embankment Esplanade "
    "Cottages Hollow Drove Spinney Copse Chase").split()
# A word of a street's name: Acacia, St, Mary's, O'Connor, Stratford-upon-Avon. An apostrophe after
# it closes a quotation ("'child Tyler Smith' is not a member"), so the word ends there.
_NAME_CORE = r"(?:[A-Z][a-z]*'[A-Z][a-z]+|[A-Z][a-z]+(?:[A-Z][a-z]+)?)(?:-[A-Za-z][a-z]+)*(?:'s|s')?"
_WORD_ENDS = r"(?!\w|'\w)"
_NAME_WORD = _NAME_CORE + _WORD_ENDS
_STREET = "|".join(sorted({w for word in _STREET_WORDS for w in (word, word.lower(), word.upper())}, key=len,
                          reverse=True))
_FLAT = r"(?i:flat|apartment|apt|maisonette)\.? *(?:(?i:no)\.? *)?\d{1,3}[a-zA-Z]?"
_HOUSE = r"\d{1,3}[a-zA-Z]?(?: *- *\d{1,3}[a-zA-Z]?)?"
# Flat 3, 22 Mill Lane; 14 Acacia Avenue; 14a The Grove; Flat 2 Acacia Court. No house name: too like prose.
_ADDRESS = re.compile(
    rf"(?<![\w£$€.,:/-])(?:(?P<flat>{_FLAT})(?: *, *| +)(?:{_HOUSE},? +)?|(?P<house>{_HOUSE}),? +)"
    rf"(?P<street>(?:{_NAME_WORD} +){{1,3}}(?:{_STREET}))\.?(?![\w-]){_WORD_ENDS}")
# A number after these is a room, a stage or a count, not a house: "Phase 2 Recruitment Drive".
_COUNTED = frozenset(
    "room rooms level levels floor ward wards section sections stage stages phase phases tier tiers year years "
    "version item items step steps week weeks part parts module modules unit block wave cohort priority action "
    "actions objective recommendation recommendations appendix chapter page pages q quarter day days bay bed "
    "beds gate platform seat seats table option question point points rule standard standards article paragraph "
    "para schedule annex form grade ks hour hours minute minutes of top aged age group groups session "
    "sessions slide slides line lines schools practices agencies families cases partners members teams".split())
# "12 Family Court", "3 Safe Place", "2 Car Park": places and things named like streets.
_NOT_A_STREET = {street: frozenset(words.split()) for street, words in {
    "court": "family youth crown magistrates magistrates' county coroner's coroners supreme appeal juvenile high "
             "drugs district",
    "place": "safe", "drive": "recruitment test", "rise": "percent per sharp", "view": "degree",
    "walk": "sponsored charity fun", "green": "bright light",
    "park": "car business retail industrial science technology enterprise trading theme holiday retirement "
            "country national"}.items()}
# "12 Green Lane Academy pupils": a school or surgery named after its street, not someone's home.
_NAMED_AFTER_IT = frozenset(
    "academy academies school schools primary secondary infant infants junior juniors nursery nurseries surgery "
    "surgeries medical health practice practices clinic clinics centre centres center hospital hospitals library "
    "police fire station church mosque chapel temple gurdwara synagogue community family children's leisure "
    "sports youth campus college university hub hubs hall house offices office depot retail shopping business "
    "industrial trading".split())
_NEXT_WORD = re.compile(r" +([A-Za-z']+)")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)[ .]*$")


# Every address has a number, then a capitalised word: a quick look for that first saves time.
_NUMBER_THEN_CAPITAL = re.compile(r"\d[a-zA-Z]?,? +[A-Z]")


def addresses(norm: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    if not _NUMBER_THEN_CAPITAL.search(norm):
        return found
    for m in _ADDRESS.finditer(norm):
        if m.group("house"):
            before = _WORD_BEFORE.search(norm, max(0, m.start() - 20), m.start())
            if before and before.group(1).lower() in _COUNTED:
                continue
            counted = _NEXT_WORD.match(norm, m.end("house"))  # "7 Minute Briefing", "5 Schools Park Road"
            if counted and counted.group(1).lower() in _COUNTED:
                continue
        words = m.group("street").lower().split()
        if words[-2] in _NOT_A_STREET.get(words[-1], ()):
            continue
        after = _NEXT_WORD.match(norm, m.end())
        if after and after.group(1).lower() in _NAMED_AFTER_IT:
            continue
        found.append((m.start(), m.end()))
    return found


# --- Children's names --------------------------------------------------------------------------

# A word for a child, straight before the name ("Child Jayden Smith", "son Tyler", "siblings Amy and
# Tyler") or a few words before "called", "named" or "known as" ("a girl aged 4 called Amy"). A
# capitalised Sister or Brother is a nurse or a monk as often as a sibling, so only the lower-case
# words count.
# The cues are looked for in the text in lower case (a case-insensitive pattern is several times
# slower), so which words had a capital is read back from the text itself.
_NAME_CUE = re.compile(
    r"\b(?:(?P<child>child|children|boy|girl|son|daughter|baby|infant|newborn|sibling|siblings|toddler|twins?"
    r"|young person|yp|pupil|student|step-?son|step-?daughter|grandson|granddaughter|nephew|niece)"
    r"|(?P<sibling>(?:half-)?(?:brother|sister)))\b(?:(?:,? +[\w'-]+){0,3}?,? +(?:called|named|known as))?"
    r"(?: *[,:] *| +| +- +)[\"'\u201c]?"
    r"|\b(?:(?:(?:first|given|full|real|sur|fore)[ -]?)?names? (?:is|are|was|were|given as)|name's)(?: *: *| +)"
    r"[\"'\u201c]?")
_A_CUE_WORD = re.compile(r"\b(?:child|boy|girl|son|daughter|bab|infant|newborn|sibling|toddler|twin|young person"
                         r"|yp|pupil|student|step|grand|nephew|niece|brother|sister|half|name)")
_PERSON_WORD = re.compile(_NAME_WORD)
# After the first name, up to three more: middle names and a surname ("Amy Louise Jones"), with an
# initial ("Amy L. Jones") or a particle ("Amy de Souza") between them.
_MORE_NAME_WORDS = 3
_PARTICLES = "de|da|di|du|del|della|der|den|van|von|ter|ten|le|la|al|el|bin|ibn"
_NEXT_NAME_WORD = re.compile(rf" +(?:(?:[A-Z]\.?|{_PARTICLES}) +)?({_NAME_WORD})")
# "Child April 2019", "Child May 1st": a month, though April, May, June and August are names too.
_MONTH_NAMES = frozenset(("april", "may", "june", "august"))
_A_DATE_NEXT = re.compile(r"[ ,]*\d")
# A capitalised word for a child after another capitalised word (with of, for, and or & between) is
# part of a title or a name: a job ("Lead Nurse Looked After Children"), a service, a programme.
_IN_A_TITLE = re.compile(r"[A-Z][\w'-]*(?: +(?:of|for|and|&))? +$")
_JOINED = re.compile(r"(?: *, *| *, *and +| +and +| *& *)")
# Capitalised words that follow a word for a child without naming one: "Child Protection Plan",
# "Child In Need", "Young Person Service", "the child The", "Baby Steps", "Pupil Premium".
_NOT_A_NAME = frozenset("""
a an the and or but nor of in on at to for from with without within by as into onto upon over under about after
before between through during against towards toward via per than then so if when where while who whom whose which
what why how that this these those there here is was were are be been being has had have having do does did not no
yes all any some each every both either neither other another such same own only also just still again now once
already yet very more most less least much many few several first second third last next previous current former
latter early late new old older younger eldest youngest elder big little small young one two three four five six
seven eight nine ten eleven twelve he she it they we you i his her hers its their theirs our your my him them us me
mum mom dad mother father parent parents carer carers stepmother stepfather stepmum stepdad grandmother grandfather
grandparent grandparents nan nana gran granny grandma grandad grandpa aunt auntie uncle cousin partner boyfriend
girlfriend husband wife family families household sibling siblings brother brothers sister sisters twin twins child
children childs kid kids baby babies boy boys girl girls son sons daughter daughters infant infants newborn toddler
toddlers pupil pupils student students person people persons peoples yp cyp mr mrs ms miss mx dr doctor prof
professor sir dame lord lady rev reverend nurse nurses matron midwife midwives visitor visitors officer officers
constable pc dc ds di sergeant inspector detective sgt chief superintendent worker workers practitioner
practitioners professional professionals lead leads manager managers management director directors head heads
headteacher teacher teachers tutor tutors senco dsl chair chairs deputy deputies designated named liaison specialist
coordinator co-ordinator champion champions consultant consultants paediatrician registrar surgeon therapist
therapists psychologist psychiatrist counsellor clinician clinicians gp gps dentist social care protection protected
plan plans planning need needs looked cared leaver leavers leaving sexual criminal exploitation exploited exploiting
abuse abused neglect neglected death deaths dying died overview panel panels health healthy mental development
developmental centre centres center services service safeguarding safeguard safeguarded practice review reviews
reviewing arrangements arrangement order orders assessment assessments poverty welfare benefit benefits tax credit
credits trust trusts support supported supporting team teams unit units board boards partnership partnerships group
groups forum forums network networks hub hubs front door help family-led friendly voice voices participation rights
right commissioner advocate advocates advocacy advisor adviser advisors advisers guardian guardians guardianship
special educational education employment training school schools nursery nurseries premium referral referrals
mortality bereavement bereaved loss steps step bank banks box boxes basics bonds clinic clinics minding minder
minders sleep sleeping safety safe safer seat seats car led centred centered focused focus guidance policy policies
procedure procedures protocol protocols pathway pathways strategy strategies template templates record records
recording report reports reporting audit audits audited data dataset return returns section act acts law legal court
courts proceedings contact contacts trafficking trafficked missing runaway home homes residential placement
placements fostering foster fostered adoption adopted adoptive kinship maintenance agency agencies programme
programmes program growth measurement immunisation immunisations vaccination vaccinations surveillance information
sharing database system systems index register registers registration registered name names number numbers
identifier details reference references ref case cases level levels stage stages tier tiers threshold thresholds
document documents matters action actions line lines journey journeys experience experiences outcome outcomes
wellbeing well behaviour behaviours behavior attendance absence absences exclusion exclusions exclusive moving
transition transitions transport travel study studies finance financial union council councils ambassador
ambassadors representative representatives rep reps survey surveys feedback consultation engagement parliament youth
offending offender offenders visiting visit visits visited police hospital hospitals ward wards paediatric
paediatrics emergency department departments psychology psychiatry therapy speech language occupational physio
physiotherapy dental oral eye eyes hearing audiology screening accident admission admissions discharge discharged
housing homeless homelessness refuge refuges domestic violence violent substance substances misuse drug drugs
alcohol gambling online internet digital media phone phones mobile device devices image images imagery indecent
harmful harm harms risk risks serious organised organized modern slavery asylum seeking seeker seekers unaccompanied
refugee refugees migrant migrants privately private witness witnesses victim victims perpetrator perpetrators
sexually female male genital mutilation fgm forced marriage based radicalisation prevent channel extremism bullying
bullied self self-harm suicide eating disorder disorders autism autistic adhd disabled disability disabilities
complex additional medical condition conditions previously deprivation secure accommodation accommodated custody
remand bail arrest arrested detention interview appropriate adult adults vulnerable vulnerability vulnerabilities
county gang gangs knife knives crime crimes missed seen unseen aged age ages living lives lived moved placed
excluded attended attending attends admitted reported referred disclosed disclosure disclosures injured injury
injuries returned remains remained remain left taken removed said says told known unknown open opened closed
reopened stepped escalated allocated unallocated subject subjects in-need on-plan not-seen involved involvement
concern concerns concerned issue issues incident incidents event events episode episodes episodic period periods
profile profiles first-time file files form forms folder letter letters note notes minutes agenda paper papers
meeting meetings conference conferences conferencing core discussion discussions enquiry enquiries investigation
investigations inquiry inquiries s47 s17 section47 section17 plan-review summary summaries chronology chronologies
history histories background story stories view views wishes feelings interests best life lifestyle centrality whole
voice-of think think-family signs signs-of safety-plan intervention interventions early-help universal targeted
statutory specialised multi multi-agency interagency inter-agency joint local national regional area areas district
districts borough boroughs city town towns village villages ward-level east west north south central midlands
england wales scotland ireland northern uk british english welsh scottish irish government dfe ofsted cqc hmi
hmicfrs nhs icb nhse ics la las lscp lscb scp mash edt camhs cahms cin cp lac cla cic cypp sen send ehcp ehc eha ehm
taf tac cse cce cme epe pru ap ld sw sws iro iros lado inclusion integrated independent review-panel practice-review
guidance-note fact factsheet sheet leaflet leaflets poster posters campaign campaigns awareness week month year day
days today tomorrow yesterday monday tuesday wednesday thursday friday saturday sunday january february march july
september october november december jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs
fri sat sun spring winter term terms holiday holidays christmas easter half-term guides scouts brigade cadets club
clubs league sport sports games game music art arts drama dance theatre reading writing maths science geography
computing literacy numeracy phonics sats gcse gcses exam exams results progress attainment achievement achievements
attendance-officer behaviour-support nurture provision provisions resource resources base bases setting settings
room rooms classroom class classes form-tutor house hall offices office building site campus college colleges
university universities academy academies primary secondary junior nursery-school sixth further higher alternative
pupil-referral elective elected home-educated educated missing-from mfe ehe ehe-officer tracker tracking tracked
monitoring monitored watch watched list lists flag flags flagged marker markers alert alerts cp-is cpis information-
sharing consent consented refused refusal declined non non-engagement engaged disengaged hard-to-reach reach reached
heard unheard voice-heard known-to new-born premature prem preterm stillbirth stillborn unborn pre-birth prebirth
antenatal postnatal perinatal maternity neonatal nicu scbu sudden unexpected sudi sids cot bed bedding co-sleeping
cosleeping sleeper sleepers feeding fed feeds weight weighing height dental-health oral-health head-lice lice nits
skin rash bruise bruises bruising fracture fractures burn burns wound wounds lens impact performance licence
licences license flu obesity brain psychotherapy loan loans formula society workforce scrutiny committee assurance
quality improvement learning executive subgroup sub-group steering delivery operational strategic charter pledge
promise passport fund funding grant award awards commission offer childline nspcc barnardo's barnardos unicef update
updates updated gender sex ethnicity ethnic nationality religion belief languages address addresses postcode dob
date dates key keyworker advisory hope bond minds matter heart rise project projects meets bridges world
mosaic liquidlogic systmone synergy arbor eclipse capita census spine
""".split())
# Words ending so are not first names: Planning, Protection, Placement, Exploited, Activity.
_NOT_A_NAME_ENDING = re.compile(r"(?:...ing|tion|sion|ment|ness|ship|ism|ology|ities|ity|ised|ized|ated|tive"
                                r"|sive|able|ible|ful|less|ical|ted|sed|ded|ved|ced|ked|ged|ped|zed|(?<![afd])red"
                                r"|ies)(?:'s|s')?$")
_NAMES_LIKE_WORDS = frozenset("verity charity trinity felicity ted sterling irving manning blessing".split())


def _bare(word: str) -> str:
    """The word in lower case without its possessive: Mum's, Jones' are mum, jones."""
    lowered = word.lower()
    return lowered[:-2] if lowered.endswith("'s") else lowered.rstrip("'")


def _is_name(word: str) -> bool:
    lowered = _bare(word)
    if lowered in _NOT_A_NAME:
        return False
    return lowered in _NAMES_LIKE_WORDS or not _NOT_A_NAME_ENDING.search(lowered)


def names(norm: str) -> list[tuple[int, int]]:
    """Spans of the names after a word for a child: "Jayden Smith" in "Child Jayden Smith aged 4",
    and each of "Amy", "Tyler" and "Jade Smith" in "siblings Amy, Tyler and Jade Smith"."""
    found: list[tuple[int, int]] = []
    lowered = norm.lower()
    if len(lowered) != len(norm):  # a letter whose lower case is two (İ): kept as it is, so places still match
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in norm)
    if not _A_CUE_WORD.search(lowered):
        return found
    for cue in _NAME_CUE.finditer(lowered):
        if cue.group("sibling") and not norm[cue.start()].islower():
            continue
        if norm[cue.start()].isupper() and _IN_A_TITLE.search(norm, max(0, cue.start() - 40), cue.start()):
            continue  # "Designated Nurse Safeguarding Children Jo Walsh", "Director of Children Helen Carter"
        at = cue.end()
        while True:
            first = _PERSON_WORD.match(norm, at)
            if not first or not _names_one(norm, first.group(), first.end()):
                break
            end = _name_end(norm, first.end())  # "Jayden Smith", "Amy Louise Jones": the rest too
            found.append((at, end))
            joined = _JOINED.match(norm, end)  # "Amy and Tyler", "Amy, Tyler and Jade"
            if not joined:
                break
            at = joined.end()
    return found


def _names_one(norm: str, word: str, end: int) -> bool:
    """The word, ending at `end`, is part of a name: not an everyday or agency word, nor a month
    before a date ("Child April 2019")."""
    return _is_name(word) and not (word.lower() in _MONTH_NAMES and _A_DATE_NEXT.match(norm, end))


def _name_end(norm: str, end: int) -> int:
    """Where a name whose first word ends at `end` ends, taking its middle names and surname."""
    for _ in range(_MORE_NAME_WORDS):
        more = _NEXT_NAME_WORD.match(norm, end)
        if not more or not _is_name(more[1]):  # "Tyler May, 4": a month after a first name is a surname
            break
        end = more.end()
    return end


# --- Names before a date of birth ----------------------------------------------------------------

# "Tyler Smith born 3rd April 2019", "Tyler Smith (DOB 01/02/2019)", "Tyler Smith, date of birth ...".
_GAP_BEFORE_A_CUE = re.compile(r"(?: *[,(:] *| +- +| +)$")
# Not inside a word ("O'Neill", "Smith-Jones"); a quote opening before it is not part of it ("'Tyler Smith ...'").
_NAME_WORD_BEFORE = re.compile(rf"(?<![\w-])(?<!\w'){_NAME_CORE}(?: +(?:[A-Z]\.?|{_PARTICLES}))?$")
_SPACES_BEFORE = re.compile(" +$")
_WORD_BEFORE_A_NAME = re.compile(r"(?<![\w'-])([A-Za-z]+)\.? +$")
# A title or a role straight before the name makes it a professional's: "Dr Amy Jones born in Leeds".
_TITLES = frozenset(
    "dr doctor mr mrs ms miss mx prof professor sir dame lord lady rev reverend nurse sister matron midwife pc dc "
    "ds di dci dsi sgt sergeant inspector constable detective cllr councillor officer manager director visitor "
    "worker practitioner lead head headteacher teacher chair gp paediatrician consultant registrar therapist "
    "psychologist psychiatrist counsellor advisor adviser coordinator senco dsl iro lado".split())
# A sentence, or a label's answer, starts with a capital whether or not it is a name, and these
# words often start one before a date-of-birth word.
_OPENS_A_SENTENCE = re.compile(r"(?:^|[.:;!?(\[\]\"'*\u2022\u201c]|\s-) *$")
_OPENERS = frozenset(
    "check checked confirm verify correct incorrect wrong add record request obtain query amend change enter invalid "
    "different full estimated approximate duplicate assumed please find get ask provide give send share use see "
    "source error reason problem info field re correction everyone someone anyone nobody".split())


def names_before(norm: str, cues: list[tuple[int, bool]]) -> list[tuple[int, int]]:
    """Spans of the names straight before a date-of-birth word: "Tyler Smith" in "referral for Tyler
    Smith born 3rd April 2019", "Tyler" in "Tyler's DOB". Each cue is where such a word starts, and
    whether the text is refused for it anyway (a date of birth is next to it, or it is "DOB" in an
    escalation). One capitalised word alone is taken for a name only then, or when it is
    possessive: "Tyler born 1/2/19", "Tyler's DOB", but not "the Triage DOB field" in an action."""
    found: list[tuple[int, int]] = []
    for cue, refused in cues:
        gap = _GAP_BEFORE_A_CUE.search(norm, max(0, cue - 6), cue)
        if not gap:
            continue  # "UK-born": nothing stands straight before it
        at = end = gap.start()
        starts: list[int] = []
        while len(starts) <= _MORE_NAME_WORDS:
            word = _NAME_WORD_BEFORE.search(norm, max(0, at - 60), at)
            named = word and _PERSON_WORD.match(norm, word.start())
            if not named or not _names_one(norm, named.group(), named.end()):
                break
            starts.append(word.start())
            space = _SPACES_BEFORE.search(norm, max(0, word.start() - 10), word.start())
            if not space:
                break
            at = space.start()
        if not starts:
            continue
        title = _WORD_BEFORE_A_NAME.search(norm, max(0, starts[-1] - 20), starts[-1])
        if title and title.group(1).lower() in _TITLES:
            continue
        if (_OPENS_A_SENTENCE.search(norm, max(0, starts[-1] - 4), starts[-1])
                and _bare(_PERSON_WORD.match(norm, starts[-1]).group()) in _OPENERS):
            starts.pop()  # "Check DOB 01/02/2019", "Check Tyler Smith DOB": the name is the rest
        if len(starts) > 1 or starts and (refused or norm[starts[0]:end].endswith(("'s", "'"))):
            found.append((starts[-1], end))
    return found
