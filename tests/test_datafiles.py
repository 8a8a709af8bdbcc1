"""The shipped JSON data files are read by one helper: a missing or malformed file is one coded line naming
the file and the reason, in English and Chinese, from every loader that reads such a file."""
from __future__ import annotations

import json

import pytest

from embeddings.calibration import Calibration
from embeddings.lexicon import Lexicon
from reports.analysis.concreteness import weights
from reports.analysis.problemtypes import TAXONOMY_PATH, taxonomy
from reports.shared.datafiles import DataFileError, read_data_json
from reports.shared.notices import XunchaError

LOADERS = [("calibration", Calibration.load), ("lexicon", Lexicon.load), ("taxonomy", taxonomy),
           ("concreteness", weights)]


@pytest.mark.parametrize(("what", "load"), LOADERS)
def test_missing_file_is_a_coded_error_naming_the_file(tmp_path, what, load):
    path = tmp_path / f"{what}.json"
    with pytest.raises(XunchaError) as err:
        load(path)
    assert err.value.code == "data_missing"
    assert str(err.value).startswith(f"{path}: ") and "missing" in str(err.value)
    assert err.value.chinese().startswith(f"{path}: 缺少")


@pytest.mark.parametrize(("what", "load"), LOADERS)
def test_invalid_json_is_a_coded_error_with_the_reason(tmp_path, what, load):
    path = tmp_path / f"{what}.json"
    path.write_text('{"models": {,}}', encoding="utf-8")
    with pytest.raises(XunchaError) as err:
        load(path)
    assert err.value.code == "data_not_json"
    line = str(err.value)
    assert line.startswith(f"{path}: ") and "line 1 column 13" in line and "\n" not in line
    assert "不是有效的 JSON" in err.value.chinese()


def test_not_utf8_and_directory(tmp_path):
    bad = tmp_path / "gbk.json"
    bad.write_bytes('{"名": 1}'.encode("gbk"))
    with pytest.raises(XunchaError) as err:
        read_data_json(bad, "lexicon")
    assert err.value.code == "data_not_json" and "UTF-8" in str(err.value)
    with pytest.raises(XunchaError) as err:
        read_data_json(tmp_path, "lexicon")
    assert err.value.code == "data_unreadable" and str(tmp_path) in str(err.value)


def test_shipped_files_still_load():
    assert Calibration.load().models
    assert Lexicon.load().concepts
    assert taxonomy().types
    assert weights().weights


def test_parsed_but_wrong_content_is_a_coded_error(tmp_path):
    """A file that is JSON but not what xuncha wrote: data_invalid, naming the file and what is wrong."""
    good = read_data_json(TAXONOMY_PATH, "taxonomy")
    good["types"].append(dict(good["types"][0]))  # a duplicate type id
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        taxonomy.__wrapped__(path)
    assert err.value.code == "data_invalid" and err.value.params["path"] == str(path)
    assert str(err.value).startswith(f"{path}: the problem-type taxonomy file is not one xuncha wrote (duplicate")
    assert err.value.chinese().startswith(f"{path}: 问题类型表文件内容有误")
    assert isinstance(err.value, ValueError)  # callers that fall back on a bad file still do
    lexicon = tmp_path / "lexicon.json"
    lexicon.write_text('{"concepts": [{"id": "x", "forms": []}]}', encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        Lexicon.load(lexicon)
    assert err.value.code == "data_invalid" and "concept 1 needs an id" in str(err.value)
