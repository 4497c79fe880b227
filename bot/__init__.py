"""faqbot: short, cited, honest answers from a reviewed FAQ, in Discord and on the command line."""

__version__ = "0.1.0"
