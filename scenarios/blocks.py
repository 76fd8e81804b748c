"""The stages of a scenario, as StreamField blocks.

A scenario reads like Mtutor's problems: the situation, the voices around it (in which teachers
recognise their own practice or their colleagues' beliefs), the evidence, the questions, the task
and, once the group has submitted, an expert's perspective. Each stage is a small ``StructBlock``
with its own template in ``templates/scenarios/blocks/``.
"""

from __future__ import annotations

from wagtail import blocks
from wagtail.contrib.typed_table_block.blocks import TypedTableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock

STAGE_ORDER = ("situation", "voices", "evidence", "questions", "task", "expert")
EXPERT_STAGE = "expert"

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "blockquote"]


class SpeakerRole(blocks.ChoiceBlock):
    """Who is speaking in a voice: the people an early-career teacher meets in a school."""

    choices = [
        ("head_of_year", "Head of year"),
        ("pupil", "Pupil"),
        ("parent", "Parent or carer"),
        ("mentor", "Mentor"),
        ("nqt", "NQT / early-career teacher"),
        ("teacher", "Class teacher"),
        ("teaching_assistant", "Teaching assistant"),
        ("senco", "SENCo"),
        ("senior_leader", "Senior leader"),
    ]


class SituationBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default="The situation", max_length=120)
    text = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        help_text="Set the scene: where, when, who is involved and what has just happened.",
    )
    images = blocks.ListBlock(
        ImageBlock(),
        required=False,
        default=[],
        help_text="Optional: a seating plan, a photo of the classroom, a pupil's work.",
    )

    class Meta:
        icon = "doc-full"
        label = "Situation"
        template = "scenarios/blocks/situation.html"


class VoiceValue(blocks.StructValue):
    def role_label(self) -> str:
        return dict(SpeakerRole.choices).get(self.get("role"), "")


class VoiceBlock(blocks.StructBlock):
    role = SpeakerRole(help_text="The speaker's role in the school.")
    name = blocks.CharBlock(
        required=False,
        max_length=80,
        help_text="Optional: a first name or title, e.g. 'Mrs Okafor'. Never a real pupil's name.",
    )
    says = blocks.TextBlock(help_text="What they say, in their own words.")

    class Meta:
        icon = "openquote"
        label = "Voice"
        value_class = VoiceValue


class VoicesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default="Voices", max_length=120)
    introduction = blocks.TextBlock(
        required=False, help_text="Optional: where and when these conversations take place."
    )
    lines = blocks.ListBlock(
        VoiceBlock(),
        min_num=1,
        help_text="The dialogue, in order. Let the voices disagree: that is what groups discuss.",
    )

    class Meta:
        icon = "group"
        label = "Voices"
        template = "scenarios/blocks/voices.html"


class DocumentEvidenceBlock(blocks.StructBlock):
    document = DocumentChooserBlock(
        help_text="Put documents in the 'Scenarios' collection: they are only served to people "
        "who may open the scenario."
    )
    description = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "doc-full-inverse"
        label = "Document"
        template = "scenarios/blocks/evidence_document.html"


class DataTableBlock(TypedTableBlock):
    """A small table of data: behaviour points, attendance, test scores."""

    text = blocks.CharBlock(required=False)
    number = blocks.DecimalBlock(required=False)
    note = blocks.RichTextBlock(required=False, features=["bold", "italic", "link"])

    class Meta:
        icon = "table"
        label = "Data table"
        template = "scenarios/blocks/evidence_table.html"


class MediaEvidenceBlock(blocks.StructBlock):
    media = EmbedBlock(help_text="A link to a video or audio clip, e.g. on YouTube or Vimeo.")
    caption = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "media"
        label = "Embedded media"
        template = "scenarios/blocks/evidence_media.html"


class EvidenceItems(blocks.StreamBlock):
    document = DocumentEvidenceBlock()
    table = DataTableBlock()
    media = MediaEvidenceBlock()


class EvidenceBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default="Evidence", max_length=120)
    introduction = blocks.TextBlock(required=False)
    items = EvidenceItems(
        help_text="Documents, data tables and embedded media the group can examine."
    )

    class Meta:
        icon = "folder-open-inverse"
        label = "Evidence"
        template = "scenarios/blocks/evidence.html"


class QuestionsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default="Questions to consider", max_length=120)
    questions = blocks.ListBlock(
        blocks.CharBlock(max_length=500),
        min_num=1,
        help_text="Open questions that send the group back to the situation and the voices.",
    )

    class Meta:
        icon = "help"
        label = "Questions to consider"
        template = "scenarios/blocks/questions.html"


class TaskBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default="Your group's task", max_length=120)
    brief = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES, help_text="What the group must produce together."
    )
    criteria = blocks.ListBlock(
        blocks.CharBlock(max_length=300),
        min_num=1,
        label="How it will be judged",
        help_text="The criteria the tutor will use when writing feedback.",
    )
    word_limit = blocks.IntegerBlock(required=False, min_value=50, help_text="Optional.")

    class Meta:
        icon = "tasks"
        label = "The task"
        template = "scenarios/blocks/task.html"


class ExpertPerspectiveBlock(blocks.StructBlock):
    """Shown to a group only after it has submitted its solution (and always to tutors)."""

    heading = blocks.CharBlock(default="An expert perspective", max_length=120)
    expert_role = blocks.CharBlock(
        max_length=120, help_text="Who is speaking, e.g. 'An experienced head of year'."
    )
    perspective = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "user"
        label = "Expert perspective (hidden until the group submits)"
        template = "scenarios/blocks/expert.html"


class ScenarioStages(blocks.StreamBlock):
    situation = SituationBlock()
    voices = VoicesBlock()
    evidence = EvidenceBlock()
    questions = QuestionsBlock()
    task = TaskBlock()
    expert = ExpertPerspectiveBlock()

    class Meta:
        block_counts = {"situation": {"min_num": 1}, "task": {"min_num": 1, "max_num": 1}}
