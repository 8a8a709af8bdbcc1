"""The sector grammar (reports/analysis/sectors.py): unit names of every shape read as their sector, and how
close two sectors are."""
from __future__ import annotations

import pytest

from reports.analysis.sectors import relation, resolve_sector, sector_of, sector_table
from reports.shared.notices import XunchaError

# Names of the shapes real reports use: party-group wrappers, places inside the name, bare level
# characters, institutions, a place's own committee. None of them is a corpus unit except the first five.
NAMES = {
    "中共张家界市文学艺术界联合会党组": "文联",
    "中共庆阳市文联党组": "文联",
    "中共山东省作家协会党组": "作协",
    "中共政协桑植县委员会党组": "政协",
    "中共益阳市文化旅游广电体育局党组": "文旅",
    "中国人民政治协商会议某某省委员会": "政协",
    "湖南省美术家协会": "文联",
    "中共张家界市卫生健康委员会党组": "卫生健康",
    "中共盐边县教育和体育局党组": "教育",            # 教育 and 体育: the first conjunct leads
    "中共卫东区政府教育督导室党组": "教育",          # 政府 says whose office, not the field
    "区人民政府教育督导室": "教育",                  # 人民政府 holds 民政: never a field word
    "张家界市人民政府": "地方政府",
    "张家界市人民政府办公室": "地方政府",
    "区交通运输局党组": "交通运输",
    "中共湖北省司法厅委员会": "司法行政",
    "区总工会党组": "工会",
    "共青团张家界市委员会": "共青团",
    "中共郴州市第二人民医院委员会": "医院",          # an institution: its head noun decides
    "某某市文化艺术职业学院": "学校",                # 文化 in the name, but a school
    "湖南日报社": "媒体",
    "县委宣传部(含县融媒体中心、县社科联、县文联)": "宣传部门",  # the aside lists included units
    "中共广州市南沙新区明珠湾开发建设管理局党组": "开发区和园区",
    "中共佛山市南海区委": "地方党委",
    "内蒙古自治区党委": "地方党委",
    "中共许昌市东城区工委": "地方党委",
    "宝安区委": "地方党委",
    "洪梅镇党委": "乡镇街道",
    "龙穴街道党工委": "乡镇街道",
    "中共万江街道工作委员会": "乡镇街道",
    "江东新区党委": "开发区和园区",
    "中共湖南省委组织部": "组织部门",
    "中共张家界市委办公室": "党委办事机构",
    "中共张家界市纪律检查委员会": "纪委监委",
    "张家界市人民检察院": "检察院",
    "湖南省人大常委会": "人大",
    "中共东莞市工业和信息化局党组": "工业和信息化",
    "某某市城市建设投资集团有限公司": "国有企业",
    "某某县农村商业银行": "金融企业",
}


@pytest.mark.parametrize("name,sector", NAMES.items())
def test_sector_from_the_name(name, sector):
    found = sector_of(name)
    assert found is not None and found.name == sector, (name, found)


def test_a_name_without_a_sector_word_has_none():
    assert sector_of("某某单位") is None
    assert sector_of(None) is None


def test_the_report_abbreviation_is_read_when_the_full_name_says_nothing():
    assert sector_of("某某单位", "市文联").name == "文联"


def test_literary_federations_are_one_family_and_culture_one_system():
    wenlian, zuoxie, wenlv, zhengxie = (sector_of(n) for n in (
        "中共庆阳市文联党组", "中共山东省作家协会党组", "中共益阳市文化旅游广电体育局党组", "中共政协桑植县委员会党组"))
    assert relation(wenlian, wenlian) == "sector"
    assert relation(wenlian, zuoxie) == "family"
    assert relation(wenlian, wenlv) == "system"
    assert relation(wenlian, zhengxie) == "none" and relation(None, wenlian) == "none"


def test_sector_names_typed_by_users():
    assert resolve_sector("文艺").name == "文联"
    assert resolve_sector("卫健").name == "卫生健康"
    assert resolve_sector("作家协会").name == "作协"
    assert resolve_sector("某某市卫生健康委员会").name == "卫生健康"  # any name the grammar reads
    with pytest.raises(XunchaError) as exc:
        resolve_sector("航天")
    assert exc.value.code == "unknown_sector" and "文联" in exc.value.chinese()


def test_the_vocabulary_is_consistent():
    table = sector_table()
    assert len({s.name for s in table.sectors.values()}) == len(table.sectors)  # names are unique too
    for keyword, sector in table.keywords:
        assert sector in table.sectors and keyword
    assert [len(k) for k, _ in table.keywords] == sorted((len(k) for k, _ in table.keywords), reverse=True)
