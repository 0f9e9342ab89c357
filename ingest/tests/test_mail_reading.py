"""ingest.mail.reading: real e-mails taken apart — attachments with their names decoded however
the sender's program wrote them, logos told apart from attachments, forwarded messages opened."""

from __future__ import annotations

import pytest

from ingest.mail.reading import UnreadableMessage, read_message

from . import mail_builders as mb


def _names(read):
    return [a.name for a in read.attachments]


def test_a_multipart_message_with_a_dxf_gives_the_sender_subject_text_and_the_drawing():
    read = read_message(
        mb.raw(mb.message(sender="Thandi <Thandi@ACME.example>", attachments=[mb.dxf()]))
    )

    assert read.from_address == "thandi@acme.example" and read.from_name == "Thandi"
    assert read.subject == "Brackets for the gate"
    assert read.body_text.startswith("Hi, please quote 10")
    assert read.sent_at is not None and read.sent_at.year == 2026
    [drawing] = read.attachments
    assert drawing.name == "bracket.dxf" and drawing.payload == mb.BRACKET_DXF
    assert not drawing.skip and not drawing.refusal and not drawing.forwarded


def test_a_signature_logo_shown_by_its_content_id_is_not_an_attachment(settings):
    read = read_message(mb.raw(mb.message(attachments=[mb.dxf()], logo=mb.LOGO_PNG)))

    logo, drawing = read.attachments
    assert logo.name == "image001.png" and "signature logo" in logo.skip
    assert drawing.name == "bracket.dxf" and not drawing.skip

    settings.INGEST_MAIL_INLINE_IMAGE_MAX_KB = 1  # a large picture in the text is a photo
    read = read_message(mb.raw(mb.message(attachments=[mb.dxf()], logo=mb.LOGO_PNG)))
    assert not read.attachments[0].skip


def test_an_attached_image_that_the_text_does_not_show_is_an_attachment():
    read = read_message(mb.raw(mb.message(attachments=[("sketch.png", mb.LOGO_PNG, "image/png")])))
    assert [(a.name, a.skip) for a in read.attachments] == [("sketch.png", "")]


def test_latin1_names_as_old_outlook_writes_them_are_decoded():
    raw = (mb.MAIL_SAMPLES / "latin1-names-outlook.eml").read_bytes()
    read = read_message(raw)

    assert read.from_name == "Jürgen Müller"
    assert read.from_address == "juergen.mueller@stahlbau.example"
    assert read.subject == "Anfrage Träger und Plättchen"
    assert "für die beiliegenden Teile" in read.body_text
    # an encoded word (=?ISO-8859-1?Q?...?=) and raw 8-bit Latin-1 bytes
    assert _names(read) == ["Träger groß.dxf", "Plättchen.dxf"]


def test_rfc2231_names_split_and_in_two_charsets_are_decoded():
    read = read_message((mb.MAIL_SAMPLES / "rfc2231-names.eml").read_bytes())
    assert _names(read) == ["Geländer Flügel.dxf", "équerre nº2.dxf"]


def test_names_written_by_pythons_email_package_in_utf8_are_decoded():
    read = read_message(mb.raw(mb.message(attachments=[mb.dxf("Ñandú bracket – 3mm.dxf")])))
    assert _names(read) == ["Ñandú bracket – 3mm.dxf"]


def test_a_forwarded_message_gives_the_attachments_inside_it():
    inner = mb.message(
        sender="client@far.example", subject="plates", attachments=[mb.dxf("plate.dxf")]
    )
    read = read_message(
        mb.raw(mb.forwarded(inner, sender="thandi@acme.example", subject="Fwd: plates"))
    )

    [drawing] = read.attachments
    assert drawing.name == "plate.dxf" and drawing.forwarded
    assert drawing.payload == mb.BRACKET_DXF
    assert read.body_text == "See below, from our customer."  # the forwarder's words


def test_a_message_without_attachments_has_its_text_only():
    read = read_message(mb.raw(mb.message(text="Can you cut 2 mm aluminium?")))
    assert read.attachments == [] and read.body_text == "Can you cut 2 mm aluminium?"


def test_a_name_that_climbs_out_of_its_folder_is_refused_and_shown_without_folders():
    read = read_message(
        mb.raw(mb.message(attachments=[mb.dxf("../../etc/cron.d/x.dxf"), mb.dxf("ok.dxf")]))
    )

    hostile, fine = read.attachments
    assert hostile.name == "x.dxf"
    assert "tries to reach folders outside its own" in hostile.refusal
    assert "../../etc/cron.d/x.dxf" in hostile.refusal
    assert not fine.refusal


def test_a_message_with_no_sender_is_unreadable_with_a_sentence():
    with pytest.raises(UnreadableMessage, match="no sender address"):
        read_message(b"Subject: hello\r\n\r\nno From header here\r\n")


def test_the_same_message_id_gives_the_same_key_and_no_id_keys_the_bytes():
    first = read_message(mb.raw(mb.message(message_id="<a@b.example>")))
    again = read_message(mb.raw(mb.message(message_id="<A@B.example>", text="other")))
    assert first.key == again.key

    bare = b"From: x@y.example\r\nSubject: hi\r\n\r\nbody\r\n"
    assert read_message(bare).key != read_message(bare + b"more").key
