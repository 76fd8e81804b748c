"""The demo scenarios' texts, as plain data (raw StreamField JSON) for ``demo.scenarios``.

Written for Staffroom's induction and masters cohorts. Names are invented; any resemblance to a
real school, pupil or parent is accidental.
"""

from __future__ import annotations

from typing import Any


def _table(caption: str, columns: list[tuple[str, str]], rows: list[list[Any]]) -> dict:
    """Raw value of a ``DataTableBlock``: columns as (type, heading), rows as lists of cells."""
    return {
        "caption": caption,
        "columns": [{"type": kind, "heading": heading} for kind, heading in columns],
        "rows": [{"values": row} for row in rows],
    }


def _voices(heading: str, introduction: str, lines: list[tuple[str, str, str]]) -> dict:
    return {
        "heading": heading,
        "introduction": introduction,
        "lines": [{"role": role, "name": name, "says": says} for role, name, says in lines],
    }


def _document(key: str, description: str) -> dict:
    """An evidence item showing one of ``DOCUMENTS`` (``doc:<key>``, resolved on upload)."""
    return {"type": "document", "value": {"document": f"doc:{key}", "description": description}}


def _evidence(introduction: str, *items: dict) -> dict:
    """An evidence stage: its introduction, then tables and documents."""
    return {
        "type": "evidence",
        "value": {"heading": "Evidence", "introduction": introduction, "items": list(items)},
    }


# Documents the demo uploads to the "Scenarios" collection; stages refer to them by ``doc:<key>``.
DOCUMENTS: dict[str, tuple[str, str, str]] = {
    "behaviour_policy": (
        "Ashworth Academy behaviour policy (extract)",
        "behaviour-policy-extract.txt",
        """ASHWORTH ACADEMY - BEHAVIOUR FOR LEARNING POLICY (EXTRACT, SECTION 4)

4.1 Every lesson starts with a calm, orderly entry: staff meet pupils at the door, a task is on
the board, and pupils begin it within two minutes of the bell.
4.2 Low-level disruption (talking over the teacher, calling out, distracting others, lateness
without a reason) is addressed with the least intrusive response first: a look, proximity,
a non-verbal cue, a quiet reminder of the expectation.
4.3 If the behaviour continues, the teacher gives a first warning (C1), naming the expectation.
A second warning (C2) is recorded on the MIS. A third (C3) means a 20-minute detention the
next day, set by the class teacher and logged the same day.
4.4 Removal to the on-call room (C4) is for serious disruption or refusal after C3 only.
4.5 Praise is public and specific; correction is private and brief.
4.6 Teachers contact home after a pupil's third C3 in a half term; the form tutor and head of
year are copied in.
""",
    ),
    "homework_policy": (
        "Ashworth Academy homework policy (Key Stage 3)",
        "homework-policy-ks3.txt",
        """HOMEWORK AT KEY STAGE 3

- English, maths and science set one piece of homework a week; other subjects one a fortnight.
- Homework should take 30 to 40 minutes in Year 8 and is set on Satchel:One by the Monday of the
  week it is due, with clear success criteria.
- Teachers give whole-class feedback on homework; individual marking is not expected.
- Missing homework: first a reminder and an extension of two school days; then a homework
  catch-up session (Thursday, 3.15-3.45). Parents are informed through the app automatically.
- Where a family tells us that homework is causing distress, the class teacher replies within
  two working days and involves the head of year if a meeting is needed.
""",
    ),
    "parent_email": (
        "Email from Mr Harris, 14 November",
        "email-mr-harris.txt",
        """From: Daniel Harris
To: Ashworth Academy office
Subject: FAO Miss Patel - Year 8 science homework - NOT ACCEPTABLE

I am writing to complain in the strongest terms about the science homework my son Kai has been
set this half term. Last night he was at the kitchen table until 10pm trying to do a "research
poster" on renewable energy that he says was never explained in class. He was in tears. This is
the third week running.

He has now been given a catch-up session on Thursday for homework he couldn't do because he
didn't understand it. How is that fair? He has football on Thursdays and I'm not stopping that
because of homework that wasn't explained.

I'd like to know what exactly was set, how long it's supposed to take, and why a 12-year-old is
being punished for not understanding something he was never taught. If I don't get a proper
answer I will be taking this to the head.

Daniel Harris
""",
    ),
    "eal_profile": (
        "New arrival profile: Amira (Year 4)",
        "new-arrival-profile-amira.txt",
        """NEW ARRIVAL PROFILE (completed by the EAL coordinator at the induction meeting)

Pupil: Amira, Year 4 (age 8)
Arrived in the UK: 6 weeks ago. Joined Oak Class 3 weeks ago.
First language: Arabic (speaks, reads and writes at age-expected level, per parent).
Other languages: some French from school in Lebanon.
English: Bell Foundation band A (new to English) - understands some classroom routines,
says "yes", "no", "toilet please", counts to 20 in English.
Previous schooling: full-time, uninterrupted. Parent reports Amira "loved maths" and was
"top of the class" for multiplication.
Family: lives with mother and younger brother; mother speaks some English; father still abroad.
Notes from the meeting: Amira is quiet and watchful. She has not yet spoken in class. At
lunchtime she plays with two Year 3 girls who speak Arabic.
""",
    ),
}


INDUCTION_MODULE = {
    "title": "Induction: behaviour and relationships",
    "slug": "induction-behaviour-and-relationships",
    "introduction": (
        "<p>Three situations most early-career teachers meet in their first term: a class that "
        "drifts after lunch, a parent who is angry, a pupil who does not yet share the "
        "language of the lesson. Work through each with your group, agree what you would do, "
        "and then compare your thinking with an experienced colleague's.</p>"
    ),
}

MA_MODULE = {
    "title": "MA Education: professional identity",
    "slug": "ma-education-professional-identity",
    "introduction": (
        "<p>Scenarios for the masters module on teachers' professional identity: situations in "
        "which what a teacher believes about their role is tested by what the school, pupils "
        "or colleagues expect of them.</p>"
    ),
}


YEAR9_AFTER_LUNCH = {
    "title": "Low-level disruption in Year 9 after lunch",
    "slug": "year-9-after-lunch",
    "summary": (
        "9X3 are settled and productive in the morning. On Wednesday period 5, straight after "
        "lunch, the lesson frays: chatter, calling out, a slow start that never quite recovers."
    ),
    "phase": "secondary",
    "expected_minutes": 90,
    "tags": ["behaviour", "low-level disruption", "routines", "key stage 3"],
    "body": [
        {
            "type": "situation",
            "value": {
                "heading": "The situation",
                "text": (
                    "<p>You are in your first term teaching English at Ashworth Academy, a "
                    "1,200-pupil 11-16 school. You teach 9X3, a mixed-attainment class of 29, "
                    "three times a week. On Monday and Friday mornings the lesson goes well: "
                    "pupils come in, pick up the starter, and most of them work.</p>"
                    "<p>Wednesday is different. The lesson is period 5, straight after lunch. "
                    "Pupils arrive over seven or eight minutes, some from the field, some "
                    "from a detention, several still arguing about something that happened in "
                    "the canteen queue. By the time the register is done it is 1.55pm. "
                    "During your explanation of the extract from <i>Of Mice and Men</i> a "
                    "group of four at the back talk quietly but constantly; Jayden calls out "
                    "answers (and jokes) every few minutes; two girls near the window have "
                    "their heads down. Nobody is rude to you, and nothing is serious enough to "
                    "send anyone out. But at the end of the hour half the class has written "
                    "less than a paragraph, and you feel exhausted.</p>"
                    "<p>Last Wednesday you gave nine C1 warnings and four C2s, and set one "
                    "detention that the pupil did not attend. Your mentor is observing "
                    "next Wednesday.</p>"
                ),
                "images": [],
            },
        },
        {
            "type": "voices",
            "value": _voices(
                "Voices",
                "Things people said to you this week.",
                [
                    (
                        "mentor",
                        "Mr Okafor",
                        "They're not a bad class. I think they've worked out that Wednesday "
                        "afternoons are a bit of a free-for-all. What are they doing in the "
                        "first five minutes? Because that's where you win or lose it.",
                    ),
                    (
                        "head_of_year",
                        "Ms Brennan",
                        "Period 5 is hard for everyone in Year 9, not just you. Follow the "
                        "policy to the letter - C1, C2, C3 - and log everything on the system. "
                        "If they see you let it go once, you've lost them. Send me names.",
                    ),
                    (
                        "pupil",
                        "Jayden",
                        "Miss, everyone talks in English. It's after lunch. Mr Davies lets us "
                        "listen to music when we're writing, why can't you? I only shout out "
                        "because I know the answer.",
                    ),
                    (
                        "nqt",
                        "Sam (maths)",
                        "I have them period 5 on Tuesday and honestly I've given up on a "
                        "starter. I just do the register and go straight into questions on "
                        "the board. It's not great but they do work. Sort of.",
                    ),
                    (
                        "pupil",
                        "Leah",
                        "It's too loud to concentrate. The same people always talk and nothing "
                        "happens to them. I just put my head down and wait for the bell.",
                    ),
                ],
            ),
        },
        _evidence(
            "Your own behaviour log for 9X3 over the last four weeks, and the school's policy.",
            {
                "type": "table",
                "value": _table(
                    "9X3 behaviour log, last four weeks (from the MIS)",
                    [
                        ("text", "Lesson"),
                        ("number", "C1 warnings"),
                        ("number", "C2 warnings"),
                        ("number", "Minutes before the starter began"),
                    ],
                    [
                        ["Monday period 2", "3", "0", "3"],
                        ["Wednesday period 5", "9", "4", "11"],
                        ["Friday period 1", "2", "1", "2"],
                        ["Monday period 2", "4", "1", "4"],
                        ["Wednesday period 5", "8", "3", "9"],
                        ["Friday period 1", "1", "0", "2"],
                    ],
                ),
            },
            _document("behaviour_policy", "Section 4: low-level disruption and warnings."),
        ),
        {
            "type": "questions",
            "value": {
                "heading": "Questions to consider",
                "questions": [
                    "What does the log tell you that your memory of the lessons does not?",
                    "Which of the voices do you most agree with, and which do you recognise "
                    "in yourself?",
                    "What would 9X3 see, hear and do in the first five minutes of a "
                    "Wednesday lesson that worked?",
                    "Is Leah's experience part of the problem you are trying to solve?",
                    "How will you use the behaviour policy without spending the lesson on "
                    "warnings?",
                ],
            },
        },
        {
            "type": "task",
            "value": {
                "heading": "Your group's task",
                "brief": (
                    "<p>Agree a plan for next Wednesday's lesson, the one your mentor will "
                    "observe. Write it as you would brief a colleague covering the class: the "
                    "entry routine, the first ten minutes minute by minute, how you will "
                    "respond to calling out and to the talk at the back, and what you will do "
                    "about Leah and the girls by the window.</p>"
                ),
                "criteria": [
                    "The plan is specific enough for someone else to carry out.",
                    "Responses to disruption start with the least intrusive and follow the "
                    "school's policy.",
                    "It attends to the quiet pupils as well as the noisy ones.",
                    "It says how you will know, in three weeks, whether it has worked.",
                ],
                "word_limit": 500,
            },
        },
        {
            "type": "expert",
            "value": {
                "heading": "An expert perspective",
                "expert_role": "A head of year with fifteen years in 11-16 schools",
                "perspective": (
                    "<p>The log is the most useful thing here: Wednesday's lessons start "
                    "eight or nine minutes later than the others, and the warnings cluster in "
                    "those lessons. The problem is less 'behaviour' than <b>transition</b>. "
                    "Pupils arriving from lunch need somewhere to put their attention, and a "
                    "register taken while they wait gives them nothing.</p>"
                    "<ul><li>Meet them at the door, every time, with a short, silent written "
                    "task on the board that anyone can start (three questions about the "
                    "extract they read on Monday). Take the register while they write.</li>"
                    "<li>Teach the routine explicitly the first week, and practise it. It "
                    "feels slow; it pays back within a fortnight.</li>"
                    "<li>Use the warnings, but quietly, at the pupil's desk, with the "
                    "expectation named. Nine public C1s tell the class the lesson is about "
                    "you and them.</li>"
                    "<li>Jayden wants to be heard: give him a role (no hands up, cold call "
                    "with thinking time, or he reads the part of George).</li>"
                    "<li>Leah is telling you the quiet majority are losing out. Seat the "
                    "four at the back apart, and check in with the girls by the window in the "
                    "first ten minutes, privately.</li></ul>"
                    "<p>Your head of year is right that consistency matters, and your NQT "
                    "colleague is right that pupils work when the task is clear. Neither "
                    "playlist nor detention will fix a lesson that starts at 1.55pm.</p>"
                ),
            },
        },
    ],
}


ANGRY_PARENT_EMAIL = {
    "title": "An angry parent's email about homework",
    "slug": "angry-parent-homework-email",
    "summary": (
        "Kai's father has emailed the school office, furious about a science homework his son "
        "could not do. He wants an answer, and he has copied nobody - yet."
    ),
    "phase": "secondary",
    "expected_minutes": 60,
    "tags": ["parents and carers", "homework", "communication", "key stage 3"],
    "body": [
        {
            "type": "situation",
            "value": {
                "heading": "The situation",
                "text": (
                    "<p>You teach science to 8S2. Three weeks ago you set a 'research poster' "
                    "on renewable energy as homework over two weeks, explained in the last "
                    "four minutes of a lesson after a fire drill. The instructions are on "
                    "Satchel:One. Eleven of 27 pupils have handed it in. The system "
                    "automatically booked the others, including Kai, into Thursday's "
                    "homework catch-up.</p>"
                    "<p>On Thursday morning the office forwards you an email from Kai's "
                    "father, Mr Harris (see the evidence). It arrived at 10.47pm. Kai is a "
                    "quiet, conscientious pupil with a reading age about two years below his "
                    "chronological age; he is on the SEN register for literacy support. You "
                    "have a free period 3 and then teach all afternoon.</p>"
                ),
                "images": [],
            },
        },
        {
            "type": "voices",
            "value": _voices(
                "Voices",
                "",
                [
                    (
                        "parent",
                        "Mr Harris",
                        "He was in tears at ten o'clock at night. I'm not having a "
                        "twelve-year-old punished for something nobody explained to him.",
                    ),
                    (
                        "mentor",
                        "Ms Achebe",
                        "Don't reply tonight and don't reply defensively. Ring him if you can - "
                        "an email back will just get picked apart. And let's look at what was "
                        "actually set before you speak to him.",
                    ),
                    (
                        "head_of_year",
                        "Mr Lowe",
                        "Copy me in on everything. He's been in before about Kai's "
                        "football kit going missing; he calms down when he feels listened to. "
                        "The catch-up session is policy, but you can use your judgement.",
                    ),
                    (
                        "nqt",
                        "Priya (science)",
                        "Half my Year 8s didn't do the poster either. I think it was too "
                        "open. But if we cancel catch-ups every time a parent shouts, what "
                        "does that say to the ones who did it?",
                    ),
                    (
                        "pupil",
                        "Kai",
                        "I didn't know what to put on it. I looked on the internet but it was "
                        "all long words. I didn't want to ask because everyone else got it.",
                    ),
                ],
            ),
        },
        _evidence(
            "",
            _document("parent_email", "Forwarded by the office at 8.10am."),
            _document("homework_policy", "The school's policy, including catch-up sessions."),
            {
                "type": "table",
                "value": _table(
                    "8S2 homework this half term",
                    [
                        ("text", "Homework"),
                        ("number", "Handed in (of 27)"),
                        ("text", "Kai"),
                    ],
                    [
                        ["Week 1: forces quiz (online)", "25", "Done, 7/10"],
                        ["Week 2: label the cell diagram", "24", "Done"],
                        ["Weeks 3-4: renewable energy research poster", "11", "Not in"],
                    ],
                ),
            },
        ),
        {
            "type": "questions",
            "value": {
                "heading": "Questions to consider",
                "questions": [
                    "What is Mr Harris actually asking for? Separate the anger from the requests.",
                    "What in his email is fair? What would you want him to understand?",
                    "Does the hand-in rate tell you something about the task rather than "
                    "the pupils?",
                    "Who needs to know before you reply, and by when?",
                    "What would change for Kai, not just for this homework?",
                ],
            },
        },
        {
            "type": "task",
            "value": {
                "heading": "Your group's task",
                "brief": (
                    "<p>Draft two things: (1) notes for a phone call to Mr Harris today - "
                    "your opening, the three points you must get across, what you will offer "
                    "and what you will not; and (2) a short follow-up email confirming what "
                    "was agreed, copied to the head of year.</p>"
                ),
                "criteria": [
                    "Acknowledges Kai's experience without blaming him, his father or colleagues.",
                    "Answers the three questions the parent asked, accurately.",
                    "Makes a clear, proportionate decision about Thursday's catch-up and "
                    "explains it.",
                    "Leads to a change in how the homework is set or supported, not just "
                    "an apology.",
                ],
                "word_limit": 400,
            },
        },
        {
            "type": "expert",
            "value": {
                "heading": "An expert perspective",
                "expert_role": "A deputy head responsible for pastoral care",
                "perspective": (
                    "<p>Phone, don't email, and do it the same day: the longer an angry "
                    "email goes unanswered, the bigger it grows. Start by thanking him for "
                    "telling you, and say you are sorry that Kai was upset - that is not an "
                    "admission of fault, it is true.</p>"
                    "<p>Then be honest. The data says the task was the problem: 16 pupils "
                    "did not hand it in, and the instructions were given in four minutes "
                    "after a fire drill. Say so, and say what you will do: re-explain it in "
                    "class with a worked example and a writing frame, give a new date, and "
                    "cancel the catch-up for everyone affected. That is not giving in to a "
                    "shouting parent; it is correcting your own decision, and you would do "
                    "it for the pupils whose parents didn't write.</p>"
                    "<p>Finally, Kai's reading age matters more than this poster. Agree with "
                    "his father that you will check Kai has understood each homework before "
                    "he leaves the lesson, and let the SENCo know that independent research "
                    "tasks are a barrier for him. Copy the head of year into the follow-up "
                    "email, keep it short, and keep it factual.</p>"
                ),
            },
        },
    ],
}


NEW_TO_ENGLISH_YEAR4 = {
    "title": "A pupil new to English in a Year 4 maths lesson",
    "slug": "new-to-english-year-4-maths",
    "summary": (
        "Amira joined Oak Class three weeks ago from Lebanon. She is new to English, confident "
        "in Arabic, and - her mother says - loves maths. In your lessons she copies the date "
        "and waits."
    ),
    "phase": "primary",
    "expected_minutes": 75,
    "tags": ["EAL", "inclusion", "mathematics", "key stage 2"],
    "body": [
        {
            "type": "situation",
            "value": {
                "heading": "The situation",
                "text": (
                    "<p>You are the class teacher of Oak Class (Year 4, 28 pupils) in a "
                    "two-form entry primary school. Amira joined three weeks ago. She is "
                    "new to English; her first language is Arabic and she was in full-time "
                    "schooling in Beirut until this summer.</p>"
                    "<p>This week's maths unit is multiplication and division word problems "
                    "('A baker puts 6 buns in each box. How many boxes does she need for 42 "
                    "buns?'). The lessons rely on reading the problem, talking in pairs and "
                    "explaining reasoning aloud. Amira sits next to Maisie, who is kind but "
                    "does most of the work for her. Yesterday Amira copied the date and the "
                    "learning objective beautifully, then sat with her pencil down. When the "
                    "teaching assistant drew arrays for her she completed every question "
                    "correctly in under five minutes, then sat again.</p>"
                    "<p>The end-of-unit assessment is on Friday. It is a written test.</p>"
                ),
                "images": [],
            },
        },
        {
            "type": "voices",
            "value": _voices(
                "Voices",
                "",
                [
                    (
                        "teaching_assistant",
                        "Mrs Khan",
                        "She's quick - quicker than most of them once she sees what the "
                        "question wants. It's the words. I could take her out to the library "
                        "table and do it with pictures, but then she misses everything.",
                    ),
                    (
                        "mentor",
                        "Mr Evans",
                        "Be careful not to put her on the lower table just because of her "
                        "English. What does she already know? Start from the maths, not the "
                        "language.",
                    ),
                    (
                        "parent",
                        "Amira's mother",
                        "In Lebanon she was the best in her class. Here she says she is "
                        "stupid. Can she have homework in Arabic? I can help her.",
                    ),
                    (
                        "senco",
                        "Ms Doyle",
                        "She isn't SEN - please don't refer her to me for that. But I can "
                        "lend you the visual vocabulary cards and we have a bilingual "
                        "dictionary in the office.",
                    ),
                    (
                        "nqt",
                        "Tom (Year 3)",
                        "I've got two new arrivals. Honestly I just give them the Year 1 "
                        "sheets so they can get on with something. I don't know what else "
                        "to do with 30 others in the room.",
                    ),
                    (
                        "pupil",
                        "Maisie",
                        "I help her. I just do it and she copies it. She doesn't mind.",
                    ),
                ],
            ),
        },
        _evidence(
            "",
            _document("eal_profile", "Completed by the EAL coordinator at induction."),
            {
                "type": "table",
                "value": _table(
                    "Amira's work this week",
                    [("text", "Task"), ("text", "Support"), ("text", "Outcome")],
                    [
                        ["Times tables (6, 7, 8) on a grid", "None", "24/24 correct"],
                        ["Word problems, sheet A", "Paired with Maisie", "Copied"],
                        [
                            "Word problems, sheet A (redone)",
                            "TA drew arrays",
                            "8/8 correct in 5 minutes",
                        ],
                        ["Explain your reasoning", "Paired talk", "No response"],
                    ],
                ),
            },
        ),
        {
            "type": "questions",
            "value": {
                "heading": "Questions to consider",
                "questions": [
                    "What does Amira already know, and how do you know it?",
                    "Which parts of these lessons assess English rather than mathematics?",
                    "How can her first language help her learn maths - and English?",
                    "What is Maisie learning from the current arrangement? What is Amira learning?",
                    "What would a fair way to find out what Amira has learned this week look like?",
                ],
            },
        },
        {
            "type": "task",
            "value": {
                "heading": "Your group's task",
                "brief": (
                    "<p>Plan Thursday's maths lesson on word problems so that Amira is "
                    "learning mathematics <i>and</i> English alongside her classmates. "
                    "Include: how the problems are presented, how the pair work is "
                    "structured, one or two key phrases you will teach, the role of the "
                    "teaching assistant, and what you will do about Friday's test.</p>"
                ),
                "criteria": [
                    "Keeps Amira in the lesson, working on age-appropriate mathematics.",
                    "Uses visual and concrete representations that help the whole class.",
                    "Plans for talk, not just for quiet work.",
                    "Treats her first language and her family as a resource.",
                ],
                "word_limit": 500,
            },
        },
        {
            "type": "expert",
            "value": {
                "heading": "An expert perspective",
                "expert_role": "An EAL specialist teacher and former primary class teacher",
                "perspective": (
                    "<p>Amira's work this week answers the most important question: she can "
                    "do Year 4 multiplication and division. The barrier is the language of "
                    "the problems, so lower the language demand, not the maths.</p>"
                    "<ul><li>Present each problem with a picture or an array as well as "
                    "words, for everyone: bar models help the whole class.</li>"
                    "<li>Teach two or three key phrases explicitly (<i>in each</i>, "
                    "<i>how many altogether</i>, <i>shared equally</i>), with gestures and "
                    "on a word mat with the Arabic alongside. Her mother can help with "
                    "that.</li>"
                    '<li>Structure the pair talk with sentence stems ("I know ... so ...") '
                    "and let Amira reason in Arabic with the Year 3 girls at another time, or "
                    "in writing with numbers and diagrams. Silence at this stage is normal "
                    "and is not the same as not learning.</li>"
                    "<li>Change Maisie's role: she reads the problem aloud and points; Amira "
                    "does the maths and shows it.</li>"
                    "<li>For Friday, read the test questions to her with the pictures, or "
                    "assess with the same problems presented visually. Record what she can "
                    "do, not the language she does not yet have.</li></ul>"
                    "<p>Year 1 worksheets would tell her what she already fears - that she "
                    "is 'stupid' here. Taking her out daily would cost her the English she "
                    "most needs: the language of the classroom.</p>"
                ),
            },
        },
    ],
}


MA_CURRICULUM_FREEDOM = {
    "title": "Whose curriculum? A scripted scheme of work",
    "slug": "whose-curriculum-scripted-scheme",
    "summary": (
        "A department adopts a fully scripted scheme of work. An experienced teacher on the "
        "masters programme feels her professional judgement has been taken away."
    ),
    "phase": "secondary",
    "expected_minutes": 120,
    "tags": ["professional identity", "curriculum", "autonomy"],
    "body": [
        {
            "type": "situation",
            "value": {
                "heading": "The situation",
                "text": (
                    "<p>Rachel has taught history for eleven years. This September her trust "
                    "introduced a centrally written Key Stage 3 curriculum: every lesson has "
                    "slides, a script for explanations, retrieval quizzes and a knowledge "
                    "organiser. Heads of department are asked to check that lessons "
                    "'follow the booklet'. Rachel's favourite unit, a local history "
                    "enquiry into the town's mills that she built with the museum, has gone.</p>"
                    "<p>Her newly qualified colleague, Adam, loves the new scheme. He says it "
                    "lets him concentrate on teaching rather than planning until midnight.</p>"
                ),
                "images": [],
            },
        },
        {
            "type": "voices",
            "value": _voices(
                "Voices",
                "",
                [
                    (
                        "teacher",
                        "Rachel",
                        "I didn't come into teaching to read someone else's script. The "
                        "mills enquiry was the one thing pupils still talk about in Year 11.",
                    ),
                    (
                        "nqt",
                        "Adam",
                        "It's the first time I've had a weekend since I started. And the "
                        "kids know more - the quizzes show it.",
                    ),
                    (
                        "senior_leader",
                        "Deputy head (curriculum)",
                        "A shared curriculum means every child gets the same entitlement, "
                        "whichever teacher they get. Adapting is fine; abandoning isn't.",
                    ),
                ],
            ),
        },
        {
            "type": "questions",
            "value": {
                "heading": "Questions to consider",
                "questions": [
                    "What is 'professional judgement' in Rachel's account, and in Adam's?",
                    "Where in a scripted lesson is there still room for a teacher's expertise?",
                    "How do your own beliefs about teaching show in your response?",
                ],
            },
        },
        {
            "type": "task",
            "value": {
                "heading": "Your group's task",
                "brief": (
                    "<p>Write a proposal Rachel could take to her head of department that "
                    "brings the mills enquiry back within the shared curriculum, and a short "
                    "reflection on what this case says about professional identity, drawing "
                    "on at least two readings from the module.</p>"
                ),
                "criteria": [
                    "Takes both Rachel's and Adam's positions seriously.",
                    "Uses the module's readings critically, not decoratively.",
                    "Proposes something a trust could actually agree to.",
                ],
                "word_limit": 1000,
            },
        },
        {
            "type": "expert",
            "value": {
                "heading": "An expert perspective",
                "expert_role": "A teacher educator and former head of humanities",
                "perspective": (
                    "<p>Rachel's and Adam's reactions are both about identity: she has "
                    "built hers on curriculum-making, he on classroom craft. A strong "
                    "proposal frames the mills enquiry as an enactment of the shared "
                    "curriculum's aims - substantive knowledge of industrialisation, "
                    "disciplinary knowledge of sources - rather than an exception to it, and "
                    "offers to write it up so that colleagues like Adam can teach it too.</p>"
                ),
            },
        },
    ],
}


INDUCTION_SCENARIOS = [YEAR9_AFTER_LUNCH, ANGRY_PARENT_EMAIL, NEW_TO_ENGLISH_YEAR4]
MA_SCENARIOS = [MA_CURRICULUM_FREEDOM]

DRAFT_SOLUTION = """**Entry routine (from next Wednesday)**

- Meet 9X3 at the door; three short questions on Monday's extract on the board ("Do Now").
- Register taken while they write, in silence, for five minutes.

**First ten minutes**

1. 1.45-1.50 Do Now, silent.
2. 1.50-1.55 Cold call on the answers (no hands up), including Leah.

**Calling out**: Jayden reads George's lines; otherwise a quiet C1 at his desk.

_Still to agree: how we seat the four at the back._
"""
