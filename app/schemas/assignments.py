"""Bodies of the teacher's assignments and of a student's display name; what is typed is
checked by app.domain.class_text before anything is stored."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.domain.class_text import (
    ASSIGNMENT_INSTRUCTIONS_LENGTH,
    ASSIGNMENT_TITLE_LENGTH,
    DISPLAY_NAME_LENGTH,
    clean_text,
)

MAX_SETTINGS_CHARS = 4000  # An assignment link's query; a form's is a few hundred characters.


class AssignmentCreate(BaseModel):
    """A new assignment: what students see at the top of their runs, and the settings of
    those runs as an assignment link's query (`lr=0.01&optimizer=adam&lock=lr`)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=4 * ASSIGNMENT_TITLE_LENGTH)
    instructions: str = Field(default="", max_length=4 * ASSIGNMENT_INSTRUCTIONS_LENGTH)
    settings: str = Field(default="", max_length=MAX_SETTINGS_CHARS)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        title = clean_text(value, ASSIGNMENT_TITLE_LENGTH)
        if not title:
            raise ValueError("give the assignment a title")
        return title

    @field_validator("instructions")
    @classmethod
    def _instructions(cls, value: str) -> str:
        return clean_text(value, ASSIGNMENT_INSTRUCTIONS_LENGTH, multiline=True)


class DisplayNameUpdate(BaseModel):
    """The name the teacher sees for this run; empty or null takes it away."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(
        max_length=4 * DISPLAY_NAME_LENGTH,  # Refused before it is looked at; then checked.
        description=f"Up to {DISPLAY_NAME_LENGTH} characters on one line, shown on the "
        "teacher's page beside this run; optional, never a login.",
    )

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: Any) -> str | None:
        if value is None:
            return None
        return clean_text(value, DISPLAY_NAME_LENGTH) or None


class DisplayNamePublic(BaseModel):
    display_name: str | None
