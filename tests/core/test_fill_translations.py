"""scripts/fill_translations.py: a fuzzy guess is cleared with every trace of the string it came from."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fill_translations.py"

FUZZY_PLURAL = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#, fuzzy, python-format
#| msgid "%(n)s old part"
#| msgid_plural "%(n)s old parts"
msgid "%(n)s part"
msgid_plural "%(n)s parts"
msgstr[0] "%(n)s 旧"
"""


def run(tmp_path, table):
    catalogue = tmp_path / "django.po"
    catalogue.write_text(FUZZY_PLURAL, encoding="utf-8")
    (tmp_path / "table.py").write_text(f"ZH = {table!r}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(SCRIPT), str(catalogue), str(tmp_path / "table.py")],
                          capture_output=True, text=True)
    return done, catalogue.read_text(encoding="utf-8")


def test_a_fuzzy_plural_without_a_translation_is_emptied_and_reported(tmp_path):
    done, text = run(tmp_path, {})
    assert done.returncode == 1 and "'%(n)s part'" in done.stdout
    assert "#|" not in text and "fuzzy" not in text and "旧" not in text


def test_a_fuzzy_plural_takes_the_tables_wording(tmp_path):
    done, text = run(tmp_path, {"%(n)s part": ["%(n)s 篇"]})
    assert done.returncode == 0
    assert 'msgstr[0] "%(n)s 篇"' in text and "#|" not in text
