"""Common given names, for the PII scan's person-name value rule (``pii.looks_like_person_name``).

A deliberately small, international list: the rule needs the shape of a name ("Ana García", "de Vries, Jan")
*and* a known given name in it, so that it flags columns of people's names and not product or place names.
"""

GIVEN_NAMES: frozenset[str] = frozenset([
    "aaron", "abdul", "adam", "adrian", "ahmed", "aisha", "alan", "albert", "alejandro", "alex", "alexander",
    "alexandra", "alice", "alicia", "amanda", "amelia", "amir", "amy", "ana", "andrea", "andreas", "andrew",
    "angela", "anna", "anne", "annie", "anthony", "antonio", "arjun", "ava", "barbara", "ben", "benjamin",
    "bernard", "beth", "brian", "bruno", "carla", "carlos", "carmen", "caroline", "catherine", "charles",
    "charlie", "charlotte", "chen", "chloe", "chris", "christian", "christina", "christine", "christopher",
    "claire", "clara", "daniel", "daniela", "david", "deborah", "dennis", "diana", "diego", "dimitri", "dirk",
    "donald", "dylan", "edward", "elena", "eli", "elif", "elizabeth", "ella", "ellen", "emily", "emma", "eric",
    "erik", "ethan", "eva", "fatima", "felix", "fernando", "finn", "francesca", "francesco", "francis", "frank",
    "freya", "gabriel", "george", "gerard", "giulia", "giuseppe", "grace", "greg", "hana", "hannah", "hans",
    "harry", "helen", "henry", "hugo", "ian", "ibrahim", "isabel", "isabella", "jack", "jacob", "james", "jan",
    "jane", "jasper", "jean", "jennifer", "jessica", "jiang", "jim", "joan", "joe", "johan", "johannes", "john",
    "jonas", "jordan", "jorge", "jose", "joseph", "josh", "juan", "julia", "julian", "juliet", "justin", "karen",
    "karin", "kate", "katherine", "kevin", "khalid", "kim", "klaus", "lars", "laura", "lea", "leah", "lena",
    "leo", "li", "lin", "linda", "lisa", "liam", "lotte", "louis", "louise", "lucas", "lucia", "luis", "luka",
    "lukas", "maria", "marie", "mark", "marta", "martin", "mary", "matteo", "matthew", "max", "maya", "mehmet",
    "mei", "mia", "michael", "michelle", "miguel", "mohamed", "mohammed", "muhammad", "nadia", "nancy", "natalia",
    "nathan", "nicolas", "nina", "noah", "nora", "olga", "oliver", "olivia", "omar", "oscar", "pablo", "patricia",
    "patrick", "paul", "paula", "pedro", "peter", "philip", "pierre", "pieter", "priya", "rachel", "rafael",
    "rahul", "raj", "rebecca", "richard", "rob", "robert", "rosa", "ruth", "ryan", "sam", "samuel", "sandra",
    "sara", "sarah", "sebastian", "sergio", "sophia", "sophie", "stefan", "stephanie", "steven", "susan",
    "thomas", "tim", "timothy", "tom", "tomas", "ursula", "valentina", "vera", "victor", "victoria", "vincent",
    "wang", "wei", "willem", "william", "xavier", "yasmin", "yusuf", "zara", "zhang", "zoe",
])
