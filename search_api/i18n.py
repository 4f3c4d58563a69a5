"""The pages' words in Chinese and English, the choice of language, local dates."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final, Literal

logger = logging.getLogger(__name__)

Language = Literal["zh", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("zh", "en")
DEFAULT_LANGUAGE: Final[Language] = "en"
LANGUAGE_COOKIE: Final = "filewarden_lang"

# key -> (English, Chinese). Keys with a dot name a value shown to people
# (a category, a state...); the prefix is the kind of value.
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # Frame of every page
    "app.name": ("Filewarden", "Filewarden 文件管家"),
    "nav.search": ("Search", "搜索"),
    "nav.upload": ("Upload", "上传"),
    "nav.review": ("Review queue", "待审核"),
    "nav.main": ("Main navigation", "主导航"),
    "nav.skip": ("Skip to content", "跳到正文"),
    "lang.switch": ("中文", "English"),
    "lang.switch_label": ("切换到中文", "Switch to English"),
    "error.title": ("Something went wrong", "出错了"),
    "error.not_found": ("Document {id} does not exist.", "文档 {id} 不存在。"),
    "error.back": ("Back to search", "返回搜索"),
    "js.network": (
        "The server did not answer. Check the connection and try again.",
        "服务器没有响应，请检查网络后重试。",
    ),
    "js.saved": ("Saved. The search shows the new labels.", "已保存，搜索结果已更新。"),
    "js.failed": ("The server refused: {message}", "服务器拒绝了请求：{message}"),
    # Search
    "search.title": ("Search documents", "搜索文档"),
    "search.query": ("Search query", "搜索词"),
    "search.placeholder": (
        "e.g. 合同 AND NOT 草稿, category:financial",
        "例如：合同 AND NOT 草稿、category:financial",
    ),
    "search.submit": ("Search", "搜索"),
    "search.help": ("Query syntax", "查询语法"),
    "search.help.words": (
        "Words match anywhere; several words must all match.",
        "输入的词会在全文中匹配；多个词须同时出现。",
    ),
    "search.help.operators": (
        'AND, OR, NOT (upper case), - to exclude, "quotes" for a phrase.',
        'AND、OR、NOT（须大写），减号 - 表示排除，"引号" 表示短语。',
    ),
    "search.help.fields": (
        "Fields: title:, text:, customer:, filename:, category:, sensitivity:, "
        "type:, language:, received:[2024-01 TO 2024-06].",
        "字段：title:、text:、customer:、filename:、category:、sensitivity:、"
        "type:、language:、received:[2024-01 TO 2024-06]。",
    ),
    "search.help.wildcards": (
        "合同* matches words starting with 合同; invoce~ tolerates a typo.",
        "合同* 匹配以“合同”开头的词；invoce~ 可容忍拼写错误。",
    ),
    "search.filters": ("Filters", "筛选"),
    "search.apply": ("Apply filters", "应用筛选"),
    "search.clear": ("Clear all filters", "清除所有筛选"),
    "search.received": ("Received between", "接收日期"),
    "search.received_from": ("From", "从"),
    "search.received_to": ("To", "到"),
    "search.sort": ("Sort by", "排序"),
    "search.total": ("{total} documents found", "共找到 {total} 个文档"),
    "search.total_all": ("{total} documents", "共 {total} 个文档"),
    "search.total_one": ("1 document found", "共找到 1 个文档"),
    "search.total_all_one": ("1 document", "共 1 个文档"),
    "search.page_of": ("Page {page} of {pages}", "第 {page} 页，共 {pages} 页"),
    "search.results": ("Results", "搜索结果"),
    "search.pages": ("Pages", "分页"),
    "search.previous": ("Previous", "上一页"),
    "search.next": ("Next", "下一页"),
    "search.syntax_error": ("The query could not be read", "无法解析查询"),
    "search.syntax_hint": (
        "Check brackets and quotes; operators AND, OR, NOT must stand between words.",
        "请检查括号和引号是否成对；AND、OR、NOT 须写在两个词之间。",
    ),
    "search.invalid": ("The search could not be run", "无法执行搜索"),
    "search.empty.title": ("No documents match", "没有匹配的文档"),
    "search.empty.tips": ("You could:", "可以尝试："),
    "search.empty.fewer_words": (
        "use fewer or more general words, or OR between alternatives",
        "减少关键词、换用更通用的词，或用 OR 连接同义词",
    ),
    "search.empty.filters": ("remove some filters", "取消部分筛选条件"),
    "search.empty.prefix": (
        "search for the start of a word with *, e.g. 合同*",
        "用 * 搜索词的开头，例如 合同*",
    ),
    "search.empty.nothing": (
        "Nothing has been received yet.",
        "还没有收到任何文件。",
    ),
    "search.empty.upload": ("Upload the first files", "上传第一批文件"),
    "search.remove_filter": ("Remove filter {value}", "移除筛选：{value}"),
    "sort.relevance": ("Relevance", "相关度"),
    "sort.received_desc": ("Newest first", "最新接收"),
    "sort.received_asc": ("Oldest first", "最早接收"),
    "sort.title": ("Title", "标题"),
    "facet.category": ("Category", "类别"),
    "facet.sensitivity": ("Sensitivity", "敏感度"),
    "facet.customer": ("Customer", "客户"),
    "facet.file_type": ("File type", "文件类型"),
    "facet.received_month": ("Month received", "接收月份"),
    "facet.language": ("Language", "语言"),
    # Labels and values
    "label.confidence": ("{percent}% sure", "置信度 {percent}%"),
    "label.category": ("Category", "类别"),
    "label.sensitivity": ("Sensitivity", "敏感度"),
    "label.none": ("not labelled", "未标注"),
    "label.source": ("Set by", "来源"),
    "category.contract": ("Contract", "合同"),
    "category.financial": ("Financial", "财务"),
    "category.technical": ("Technical", "技术"),
    "category.feedback": ("Feedback", "反馈"),
    "category.identity": ("Identity", "身份证件"),
    "category.correspondence": ("Correspondence", "往来函件"),
    "category.other": ("Other", "其他"),
    "sensitivity.public": ("Public", "公开"),
    "sensitivity.internal": ("Internal", "内部"),
    "sensitivity.confidential": ("Confidential", "机密"),
    "sensitivity.personal": ("Personal data", "个人信息"),
    "source.model": ("model", "模型"),
    "source.detector": ("personal-data detector", "个人信息检测"),
    "source.person": ("a person", "人工"),
    "source.empty": ("no text", "无文本"),
    "state.received": ("Received", "已接收"),
    "state.extracted": ("Text extracted", "已提取文本"),
    "state.classified": ("Labelled", "已分类"),
    "state.indexed": ("Searchable", "可搜索"),
    "state.failed": ("Failed", "处理失败"),
    "state.encrypted": ("Encrypted", "已加密"),
    "state.uploading": ("Uploading", "正在上传"),
    "language.zh": ("Chinese", "中文"),
    "language.en": ("English", "英文"),
    "language.und": ("Unknown", "未知"),
    "language.mixed": ("Mixed", "混合"),
    "file_type.pdf": ("PDF", "PDF"),
    "file_type.docx": ("Word", "Word 文档"),
    "file_type.doc": ("Word 97", "Word 97 文档"),
    "file_type.xlsx": ("Excel", "Excel 表格"),
    "file_type.xls": ("Excel 97", "Excel 97 表格"),
    "file_type.pptx": ("PowerPoint", "PowerPoint 演示"),
    "file_type.image": ("Image", "图片"),
    "file_type.text": ("Text", "纯文本"),
    "file_type.email": ("E-mail", "电子邮件"),
    "file_type.archive": ("Archive", "压缩包"),
    "file_type.unknown": ("Unknown", "未知"),
    "pii.prc_id": ("Resident ID numbers", "居民身份证号"),
    "pii.uscc": ("Unified social credit codes", "统一社会信用代码"),
    "pii.email": ("E-mail addresses", "电子邮箱"),
    "pii.passport": ("Passport numbers", "护照号"),
    "pii.mobile": ("Mobile numbers", "手机号"),
    "pii.bank_card": ("Bank card numbers", "银行卡号"),
    # Document
    "doc.title": ("Document {id}", "文档 {id}"),
    "doc.download": ("Download original", "下载原件"),
    "doc.metadata": ("Details", "基本信息"),
    "doc.filename": ("File name", "文件名"),
    "doc.customer": ("Customer", "客户"),
    "doc.file_type": ("File type", "文件类型"),
    "doc.size": ("Size", "大小"),
    "doc.pages": ("Pages", "页数"),
    "doc.ocr_pages": ("Pages read by OCR", "OCR 识别的页"),
    "doc.language": ("Language", "语言"),
    "doc.author": ("Author", "作者"),
    "doc.created": ("Created", "创建时间"),
    "doc.modified": ("Modified", "修改时间"),
    "doc.characters": ("Characters of text", "文本字数"),
    "doc.failure": ("Why it failed", "失败原因"),
    "doc.parent": ("Found inside", "所属文件"),
    "doc.children": ("Files inside", "包含的文件"),
    "doc.model_version": ("Model version", "模型版本"),
    "doc.receipt": ("Receipt", "接收回执"),
    "doc.channel": ("Channel", "渠道"),
    "doc.received_at": ("Received", "接收时间"),
    "doc.sha256": ("SHA-256", "SHA-256 校验值"),
    "doc.note": ("Note", "备注"),
    "doc.deliveries": ("Deliveries", "投递记录"),
    "doc.duplicate": ("Duplicate", "重复"),
    "doc.first": ("First", "首次"),
    "doc.labels": ("Labels", "标签"),
    "doc.needs_review": (
        "The model is unsure: a person should check these labels.",
        "模型把握不大，需要人工核对这些标签。",
    ),
    "doc.suggestions": ("Model suggestions", "模型建议"),
    "doc.pii": ("Personal data found", "发现的个人信息"),
    "doc.pii_none": ("No personal data found.", "未发现个人信息。"),
    "doc.pii_kind": ("Kind", "种类"),
    "doc.pii_count": ("Count", "数量"),
    "doc.text": ("Extracted text", "提取的文本"),
    "doc.text_none": ("No text was extracted.", "没有提取到文本。"),
    "doc.text_cut": (
        "Showing the first {shown} of {total} characters.",
        "仅显示前 {shown} 个字符（共 {total} 个）。",
    ),
    "doc.preview": ("Preview", "预览"),
    "doc.preview_none": (
        "This file type cannot be previewed here; download it to open it.",
        "此类文件无法在此预览，请下载后打开。",
    ),
    "doc.preview_frame": ("Preview of {name}", "{name} 的预览"),
    "doc.correct": ("Correct the labels", "更正标签"),
    "doc.correct_help": (
        "Change what is wrong and say why; the search follows at once.",
        "修改错误的标签并说明原因，搜索结果会立即更新。",
    ),
    "doc.reason": ("Reason", "原因"),
    "doc.person": ("Your name", "您的姓名"),
    "doc.save": ("Save correction", "保存更正"),
    "doc.not_labelled": (
        "Labels can be corrected once the document is labelled.",
        "文档完成分类后才能更正标签。",
    ),
    "doc.history": ("Label history", "标签历史"),
    "doc.history_none": ("No one has changed the labels yet.", "还没有人修改过标签。"),
    "doc.similar": ("Similar documents", "相似文档"),
    "doc.warning": ("Note", "注意"),
    "doc.similar_none": ("No similar documents found.", "没有找到相似文档。"),
    "doc.when": ("When", "时间"),
    "doc.label": ("Label", "标签"),
    "doc.change": ("Change", "变更"),
    "doc.by": ("By", "操作人"),
    "kind.correction": ("correction", "更正"),
    "kind.confirmation": ("confirmation", "确认"),
    # Upload
    "upload.title": ("Upload files", "上传文件"),
    "upload.customer": ("Customer", "客户"),
    "upload.note": ("Note (optional)", "备注（可选）"),
    "upload.drop": (
        "Drop files here, or press Enter to choose files",
        "将文件拖放到此处，或按回车选择文件",
    ),
    "upload.choose": ("Choose files", "选择文件"),
    "upload.files": ("Files", "文件"),
    "upload.progress": ("Upload progress of {name}", "{name} 的上传进度"),
    "upload.new": ("New document {id}", "新文档 {id}"),
    "upload.duplicate": (
        "Already received: document {id}",
        "重复文件：已存在文档 {id}",
    ),
    "upload.empty": ("No files chosen yet.", "尚未选择文件。"),
    # Review
    "review.title": ("Review queue", "待审核队列"),
    "review.intro": (
        "Documents whose labels the model is unsure of, least certain first.",
        "模型把握不大的文档，最不确定的排在前面。",
    ),
    "review.empty": ("Nothing to review. Well done.", "没有待审核的文档。"),
    "review.accept": ("Accept", "接受"),
    "review.correct": ("Correct", "更正"),
    "review.use": ("Set {label} to {value}", "{label}改为“{value}”"),
    "review.done": ("Done", "已完成"),
    "review.shortcuts": ("Keyboard shortcuts", "键盘快捷键"),
    "review.key_next": ("next document", "下一个文档"),
    "review.key_previous": ("previous document", "上一个文档"),
    "review.key_accept": ("accept the suggestions", "接受建议"),
    "review.key_correct": ("correct the labels", "更正标签"),
    "review.key_open": ("open the document", "打开文档"),
    "review.name_needed": (
        "Enter your name first: every decision records who made it.",
        "请先填写姓名：每个决定都会记录操作人。",
    ),
    "review.corrected_reason": ("corrected in the review queue", "在审核队列中更正"),
}


def choose_language(cookie: str | None, accept_language: str | None) -> Language:
    """The language a person chose (cookie), else the browser's best, else English."""
    if cookie in LANGUAGES:
        return cookie  # type: ignore[return-value]

    for tag in _ranked_tags(accept_language or ""):
        primary = tag.split("-", 1)[0]
        if primary in LANGUAGES:
            return primary  # type: ignore[return-value]
    return DEFAULT_LANGUAGE


def _ranked_tags(accept_language: str) -> list[str]:
    """Language tags of an Accept-Language header, most preferred first."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag and weight > 0:
            ranked.append((-weight, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def translate(language: Language, key: str, **values: object) -> str:
    """The message in that language with {names} filled in; the key if unknown."""
    texts = MESSAGES.get(key)
    if texts is None:
        logger.debug("no message for key %s", key)
        return key
    english, chinese = texts
    text = chinese if language == "zh" else english
    return text.format(**values) if values else text


def value_label(language: Language, kind: str, value: str | None) -> str:
    """A stored value (a category, a state...) as people read it; unknowns as is."""
    if value is None:
        return translate(language, "label.none")
    key = f"{kind}.{value}"
    return translate(language, key) if key in MESSAGES else value


def catalog(language: Language, prefixes: tuple[str, ...]) -> dict[str, str]:
    """The messages whose keys start with one of the prefixes (for a page's script)."""
    return {
        key: translate(language, key) for key in MESSAGES if key.startswith(prefixes)
    }


def format_datetime(language: Language, value: str | None) -> str:
    """An ISO 8601 time as people of that language write it (in UTC)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if language == "zh":
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M} UTC"
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def format_month(language: Language, value: str) -> str:
    """A YYYY-MM facet value as a month name."""
    try:
        moment = datetime.strptime(value, "%Y-%m")
    except ValueError:
        return value
    if language == "zh":
        return f"{moment.year}年{moment.month}月"
    return f"{moment:%B %Y}"


def format_size(language: Language, size_bytes: int) -> str:
    """A byte count in B, KB, MB or GB with one decimal."""
    size = float(size_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            break
        size /= 1024
    number = f"{size:.0f}" if unit == "B" else f"{size:.1f}"
    return f"{number} {unit}" if language == "en" else f"{number}{unit}"
