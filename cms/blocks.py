"""StreamField blocks for standard pages."""

from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(help_text="A short heading for the box.")
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "ul"])

    class Meta:
        icon = "help"
        template = "cms/blocks/callout.html"


class StandardBlocks(blocks.StreamBlock):
    heading = blocks.CharBlock(form_classname="title", template="cms/blocks/heading.html")
    paragraph = blocks.RichTextBlock()
    image = ImageChooserBlock()
    callout = CalloutBlock()
