"""Word pools for the demo organisation. Every name, place and number is fictional.

Phone numbers come from Ofcom's ranges reserved for drama (01632 960xxx, 07700 900xxx), so none
can ring a real person. NHS numbers start with 999, the range never issued to patients.
"""

GIVEN_NAMES = (
    "Aisha",
    "Ben",
    "Callum",
    "Dana",
    "Eilidh",
    "Femi",
    "Grace",
    "Harvey",
    "Isla",
    "Jonah",
    "Kiran",
    "Leah",
    "Mohammed",
    "Niamh",
    "Owen",
    "Priya",
    "Quinn",
    "Rhys",
    "Sofia",
    "Tomasz",
    "Uma",
    "Violet",
    "Wiktor",
    "Yasmin",
    "Zac",
    "Bethan",
    "Connor",
    "Delroy",
    "Erin",
    "Farah",
)
FAMILY_NAMES = (
    "Ashworth",
    "Bellamy",
    "Carrow",
    "Dunmore",
    "Ellery",
    "Fenwick",
    "Garside",
    "Hollins",
    "Ingram",
    "Jessop",
    "Kettering",
    "Lowther",
    "Marsden",
    "Nuttall",
    "Ormerod",
    "Pickles",
    "Quarmby",
    "Rimmer",
    "Sowerby",
    "Thwaite",
    "Umpleby",
    "Varley",
    "Whitworth",
    "Yeadon",
    "Ackroyd",
    "Brearley",
)
PREFERRED_SUFFIX_NICKNAMES = {"Mohammed": "Mo", "Tomasz": "Tom", "Callum": "Cal", "Bethan": "Beth", "Wiktor": "Vik"}
PRONOUNS = ("she/her", "he/him", "they/them", None)
STREETS = ("Fictional Lane", "Heather Row", "Moorside Close", "Millstone Walk", "Beck View", "Quarry Bank")
TOWNS = ("Eastmoor", "Low Fell Bridge", "Thornby", "Westdale")

COMMUNICATION_NEEDS = (
    "Prefers text before any phone call; calls out of the blue cause anxiety.",
    "Dyslexic: read written material aloud and offer an easy-read copy.",
    "Hard of hearing in the left ear; sit on the right and face them.",
    "Needs a BSL interpreter for planned visits.",
    "Autistic: give a clear agenda at the start and avoid changing visit times at short notice.",
    "Finds mornings difficult; visits after 11:00 where possible.",
)

WARNING_SIGNS = (
    "Sleeping less than four hours a night",
    "Stopping eating regular meals",
    "Not answering the phone",
    "Drinking more than usual",
    "Staying in bed all day",
    "Thoughts that everyone would be better off without me",
    "Giving things away",
    "Arguments with family",
    "Cancelling plans with friends",
    "Stopping medication",
    "Pacing and unable to settle",
    "Money worries after a letter from the council",
)
COPING = (
    "Walk the dog round the reservoir",
    "Cold water on my face and slow breathing",
    "Listen to the 'calm' playlist",
    "Colouring book at the kitchen table",
    "Take a shower and change clothes",
    "Write the thoughts down, then tear them up",
    "Play a puzzle game on my phone for ten minutes",
    "Grounding: five things I can see, four I can hear",
    "Bake something simple",
    "Go and sit in the garden",
)
DISTRACTION = (
    "Sit in the library café",
    "Visit my sister's house",
    "The allotment on Saturday mornings",
    "Drop-in at the community centre",
    "Football on TV at my friend's",
    "Walk round the market",
)
HELPERS = (
    ("Auntie Jan", "aunt"),
    ("Marcus", "friend"),
    ("Siobhan", "sister"),
    ("Dev", "partner"),
    ("Pat from church", "friend"),
    ("Lorna", "neighbour"),
    ("Grandad Ken", "grandfather"),
)
SAFE_ENVIRONMENT = (
    "Tablets kept by my partner and given out weekly",
    "Razor blades removed from the bathroom",
    "No alcohol kept in the house",
    "Car keys left with my neighbour when I'm struggling",
    "Pharmacy delivers medication weekly instead of monthly",
)
REASONS = (
    "My daughter, Ellie",
    "My dog, Biscuit",
    "Seeing the sea again this summer",
    "Finishing my college course",
    "My nan",
    "Playing for the Sunday league team",
    "My cat, Pepper",
    "Being there for my brother",
)
STAFF_ACTIONS = (
    "Same-day check-in call if I text 'amber' to the team phone",
    "Increase contact to twice a week for two weeks after any crisis",
    "Offer a visit rather than a call when sleep has dropped off",
    "Check medication supply at each visit",
)
HOW_TO_SUPPORT = (
    "Talk to me calmly and give me time to answer; don't fill the silences.",
    "Be direct with me. I'd rather you ask straight out than hint.",
    "Text first, then call ten minutes later.",
    "Sit with me in the kitchen rather than the front room.",
)
NARRATIVES_SEEN = (
    "Visited at home. Talked through the past week; sleep has improved a little. Reviewed warning signs together "
    "and agreed the plan still fits.",
    "Met at the café as agreed. Said the job centre appointment went better than expected. Used the grounding "
    "exercise when anxious on the bus.",
    "Home visit. Low in mood after an argument with family, but went for a walk each day. Went through the "
    "coping list; added listening to music.",
    "Saw them at the community centre. Talked about the letter from the council and who can help with it. "
    "Agreed to call the advice line together next week.",
)
NARRATIVES_PHONE = (
    "Phone call. Sounded brighter; sleeping better since the pharmacy changed the delivery day.",
    "Called as planned. Said this week was hard; used the breathing exercise and called their sister. "
    "Agreed an extra call on Friday.",
    "Short call; they were at work. Confirmed next visit time.",
)
NARRATIVES_MISSED = (
    "Planned visit. No answer at the door; curtains closed. Left a card. Texted to rearrange.",
    "Planned call. No answer; voicemail full. Sent a text asking them to get in touch.",
)
REVIEW_CHANGES = (
    ("Lost their job at the warehouse two weeks ago.", "Says they feel like a failure and are not sleeping."),
    ("Started new antidepressant last week.", "Feels 'foggy' and wonders if it is working."),
    ("Relationship with partner ended.", "Says they are 'done with it all' but denies any plan."),
    ("First meeting with the service.", "Wants help with sleep and with getting out of the house."),
)
