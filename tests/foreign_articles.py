"""Short news articles in other languages than English, and English ones that quote other
languages, written for the language tests (the same made-up council story in each).

``as_file(article, fmt)`` gives the bytes of one article as plain text, Markdown or a
saved web page (with navigation and footer furniture, as a real page has).
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    code: str  # the language the identifier must name (its likeliest label)
    name: str  # its English name, as the error message gives it
    headline: str
    body: str


FOREIGN = [
    Sample("zh", "Chinese", "市议会通过新堤坝预算",
           "周二晚上，市议会以二十一票赞成、三票反对通过了新堤坝的预算。港口附近的居民自去年洪水以来一直在等待这一决定，"
           "那场洪水摧毁了大约三十栋房屋，学校也因此关闭了两个月。市长表示，工程将在年底前开始，预计耗资约四千万元。"
           "反对派议员则认为，这笔钱应该优先用于修复道路和公共交通。"),
    Sample("ja", "Japanese", "市議会、新しい堤防の予算を可決",
           "市議会は火曜日の夜、新しい堤防の予算を賛成二十一票、反対三票で可決した。港の近くに住む人々は、去年の洪水以来この決定を待っていた。"
           "洪水では約三十軒の家が壊れ、学校は二か月間閉鎖された。市長は、工事は年末までに始まり、費用はおよそ四千万円になると述べた。"
           "野党の議員たちは、その資金をまず道路と公共交通の修理に使うべきだと主張している。"),
    Sample("ko", "Korean", "시의회, 새 제방 예산안 통과",
           "시의회는 화요일 밤 새 제방 예산안을 찬성 21표, 반대 3표로 통과시켰다. 항구 근처 주민들은 지난해 홍수 이후 이 결정을 기다려 왔다. "
           "당시 홍수로 주택 약 30채가 무너졌고 학교는 두 달 동안 문을 닫았다. 시장은 공사가 연말 전에 시작될 것이며 비용은 약 400억 원이 될 것이라고 말했다. "
           "야당 의원들은 그 돈을 먼저 도로와 대중교통 보수에 써야 한다고 주장했다."),
    Sample("ar", "Arabic", "المجلس البلدي يقرّ ميزانية السد الجديد",
           "أقرّ المجلس البلدي مساء الثلاثاء ميزانية السد الجديد بأغلبية واحد وعشرين صوتاً مقابل ثلاثة أصوات. "
           "وكان سكان الحي القريب من الميناء ينتظرون هذا القرار منذ فيضانات العام الماضي التي دمّرت نحو ثلاثين منزلاً وأغلقت المدرسة لمدة شهرين. "
           "وقال رئيس البلدية إن الأشغال ستبدأ قبل نهاية العام، بينما طالب نواب المعارضة بإنفاق الأموال أولاً على إصلاح الطرق والنقل العام."),
    Sample("ru", "Russian", "Горсовет утвердил бюджет новой дамбы",
           "Городской совет во вторник вечером утвердил бюджет новой дамбы: за проголосовали двадцать один депутат, против — трое. "
           "Жители района у порта ждали этого решения с прошлогоднего наводнения, которое разрушило около тридцати домов и на два месяца закрыло школу. "
           "Мэр пообещал, что работы начнутся до конца года, а депутаты оппозиции считают, что деньги сначала нужно потратить на ремонт дорог."),
    Sample("el", "Greek", "Εγκρίθηκε ο προϋπολογισμός του νέου αναχώματος",
           "Το δημοτικό συμβούλιο ενέκρινε την Τρίτη το βράδυ τον προϋπολογισμό του νέου αναχώματος με είκοσι μία ψήφους υπέρ και τρεις κατά. "
           "Οι κάτοικοι της περιοχής κοντά στο λιμάνι περίμεναν αυτή την απόφαση από τις περσινές πλημμύρες, που κατέστρεψαν περίπου τριάντα σπίτια "
           "και έκλεισαν το σχολείο για δύο μήνες. Ο δήμαρχος υποσχέθηκε ότι τα έργα θα ξεκινήσουν πριν από το τέλος της χρονιάς."),
    Sample("he", "Hebrew", "מועצת העיר אישרה את תקציב הסוללה החדשה",
           "מועצת העיר אישרה ביום שלישי בערב את התקציב לסוללה החדשה, ברוב של עשרים ואחד קולות מול שלושה. "
           "תושבי השכונה הסמוכה לנמל חיכו להחלטה הזאת מאז השיטפונות בשנה שעברה, שהרסו כשלושים בתים וסגרו את בית הספר למשך חודשיים. "
           "ראש העיר הבטיח שהעבודות יתחילו לפני סוף השנה, אך חברי האופוזיציה טוענים שיש להשקיע את הכסף קודם בתיקון הכבישים."),
    Sample("hi", "Hindi", "नगर परिषद ने नए तटबंध का बजट मंज़ूर किया",
           "नगर परिषद ने मंगलवार रात नए तटबंध के बजट को इक्कीस के मुकाबले तीन मतों से मंज़ूरी दे दी। "
           "बंदरगाह के पास रहने वाले लोग पिछले साल की बाढ़ के बाद से इस फ़ैसले का इंतज़ार कर रहे थे, जिसमें लगभग तीस घर नष्ट हो गए थे "
           "और स्कूल दो महीने तक बंद रहा था। महापौर ने कहा कि काम साल के अंत से पहले शुरू हो जाएगा।"),
    Sample("th", "Thai", "สภาเทศบาลอนุมัติงบสร้างเขื่อนใหม่",
           "สภาเทศบาลอนุมัติงบประมาณสำหรับเขื่อนกั้นน้ำแห่งใหม่เมื่อคืนวันอังคาร ด้วยคะแนนเสียงเห็นชอบยี่สิบเอ็ดเสียงต่อสามเสียง "
           "ชาวบ้านที่อาศัยอยู่ใกล้ท่าเรือรอคอยการตัดสินใจครั้งนี้มาตั้งแต่เกิดน้ำท่วมเมื่อปีที่แล้ว "
           "ซึ่งทำลายบ้านเรือนไปราวสามสิบหลังและทำให้โรงเรียนต้องปิดไปสองเดือน นายกเทศมนตรีกล่าวว่างานก่อสร้างจะเริ่มก่อนสิ้นปีนี้"),
    Sample("fr", "French", "Le conseil municipal vote le budget de la nouvelle digue",
           "Le conseil municipal a voté mardi soir le budget de la nouvelle digue, par vingt et une voix contre trois. "
           "Les habitants du quartier du port attendaient cette décision depuis les inondations de l’an dernier, qui avaient détruit "
           "une trentaine de maisons et fermé l’école pendant deux mois. La maire a promis que les travaux commenceraient avant la fin de l’année."),
    Sample("de", "German", "Stadtrat beschließt Haushalt für neuen Deich",
           "Der Stadtrat hat am Dienstagabend den Haushalt für den neuen Deich mit einundzwanzig zu drei Stimmen beschlossen. "
           "Die Bewohner des Hafenviertels hatten seit dem Hochwasser im vergangenen Jahr auf diese Entscheidung gewartet, bei dem rund "
           "dreißig Häuser zerstört und die Schule zwei Monate lang geschlossen wurde. Die Bürgermeisterin versprach, dass die Arbeiten noch vor Jahresende beginnen."),
    Sample("es", "Spanish", "El pleno aprueba el presupuesto del nuevo dique",
           "El pleno municipal aprobó el martes por la noche el presupuesto del nuevo dique, con veintiún votos a favor y tres en contra. "
           "Los vecinos del barrio del puerto esperaban esta decisión desde las inundaciones del año pasado, que destruyeron una treintena "
           "de casas y obligaron a cerrar la escuela durante dos meses. La alcaldesa prometió que las obras empezarán antes de que acabe el año."),
]  # fmt: skip

# Languages py3langid splits between close labels (their sum decides): Persian / Urdu,
# Indonesian / Malay, Croatian / Bosnian / Serbian, Norwegian / Nynorsk / Danish.
SPLIT = [
    Sample("fa", "Persian", "شورای شهر بودجهٔ سد جدید را تصویب کرد",
           "شورای شهر سه‌شنبه شب بودجهٔ سد جدید را با بیست و یک رأی موافق و سه رأی مخالف تصویب کرد. "
           "ساکنان محلهٔ نزدیک بندر از زمان سیل سال گذشته که حدود سی خانه را ویران کرد و مدرسه را دو ماه تعطیل کرد، منتظر این تصمیم بودند. "
           "شهردار گفت کار ساخت پیش از پایان سال آغاز می‌شود."),
    Sample("ur", "Urdu", "سٹی کونسل نے نئے بند کا بجٹ منظور کر لیا",
           "سٹی کونسل نے منگل کی رات نئے بند کے بجٹ کی اکیس کے مقابلے میں تین ووٹوں سے منظوری دے دی۔ "
           "بندرگاہ کے قریب رہنے والے لوگ پچھلے سال کے سیلاب کے بعد سے اس فیصلے کا انتظار کر رہے تھے، جس میں تقریباً تیس گھر تباہ ہو گئے تھے "
           "اور اسکول دو مہینے تک بند رہا۔ میئر نے کہا کہ کام سال کے آخر سے پہلے شروع ہو جائے گا۔"),
    Sample("id", "Indonesian", "Dewan kota setujui anggaran tanggul baru",
           "Dewan kota pada Selasa malam menyetujui anggaran untuk tanggul baru dengan dua puluh satu suara setuju dan tiga suara menolak. "
           "Warga di sekitar pelabuhan telah menunggu keputusan ini sejak banjir tahun lalu, yang menghancurkan sekitar tiga puluh rumah "
           "dan membuat sekolah ditutup selama dua bulan. Wali kota berjanji pekerjaan akan dimulai sebelum akhir tahun."),
    Sample("hr", "Croatian", "Gradsko vijeće izglasalo proračun za novi nasip",
           "Gradsko vijeće u utorak je navečer izglasalo proračun za novi nasip s dvadeset i jednim glasom za i tri protiv. "
           "Stanovnici kvarta uz luku čekali su tu odluku od prošlogodišnjih poplava, koje su uništile tridesetak kuća i na dva mjeseca "
           "zatvorile školu. Gradonačelnica je obećala da će radovi početi prije kraja godine."),
    Sample("no", "Norwegian", "Bystyret vedtok budsjettet for det nye diket",
           "Bystyret vedtok tirsdag kveld budsjettet for det nye diket med tjueen mot tre stemmer. Beboerne i nabolaget ved havnen har "
           "ventet på denne avgjørelsen siden flommen i fjor, som ødela rundt tretti hus og stengte skolen i to måneder. "
           "Ordføreren lovet at arbeidet skal starte før årsskiftet."),
]  # fmt: skip

# English articles the identifier must leave alone: a quoted Chinese or Arabic sentence,
# a paragraph full of foreign names.
ENGLISH = [
    Sample("en", "English", "Ningbo port braces for slower customs checks",
           "Shipping companies in Ningbo said on Thursday that the new customs rules would delay container traffic for at least a month. "
           "The port handled more than 35 million containers last year, according to its operator. A notice posted at the terminal gate "
           "read: “所有集装箱必须提前四十八小时申报。” — all containers must be declared forty-eight hours in advance. Drivers waiting "
           "outside the gate said the queues had already grown since Monday, and several hauliers warned that small firms could not "
           "absorb the extra cost. The city government said it would review the rules after a trial period of six weeks."),
    Sample("en", "English", "Traders protest against market closure",
           "Residents of the old town gathered in the main square on Friday evening to protest against the closure of the central market. "
           "Many carried handwritten signs; one of them read “السوق لنا وسنبقى هنا”, which translates as “the market is ours and we "
           "will stay here”. The municipality says the building is unsafe after last winter's floods and must be repaired before the "
           "traders can return. Shop owners say they have received no compensation and fear that the repairs will take years."),
    Sample("en", "English", "River delegation ends its tour",
           "The delegation was led by Nguyễn Thị Lan, Oleksandr Kovalenko and Siobhán Ní Bhriain, and included Jürgen Schäfer of the "
           "Bundesanstalt für Gewässerkunde, Zhang Wei of Tsinghua University and Aïcha Benali from the Université Mohammed V in Rabat. "
           "They visited Gdańsk, Szczecin and Kraków before travelling to São Paulo and Florianópolis, where they met officials from "
           "the Secretaria de Meio Ambiente. Kovalenko said the talks had been useful but that no agreement was expected before the summer."),
]  # fmt: skip

FORMATS = ("text", "markdown", "html")
SUFFIXES = {"text": ".txt", "markdown": ".md", "html": ".html"}


def as_text(sample: Sample) -> str:
    return f"{sample.headline}\n\n{sample.body}\n"


def as_markdown(sample: Sample) -> str:
    return f"# {sample.headline}\n\n{sample.body}\n"


def as_html(sample: Sample) -> str:
    headline, body = html.escape(sample.headline), html.escape(sample.body)
    return (
        f'<!DOCTYPE html>\n<html lang="{sample.code}">\n<head><meta charset="utf-8"><title>{headline}</title></head>\n<body>\n'
        '<header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>\n'
        f"<main><article><h1>{headline}</h1>\n<p>{body}</p>\n</article></main>\n"
        "<footer><p>© 2026 Example Courier</p></footer>\n</body>\n</html>\n"
    )


def as_file(sample: Sample, fmt: str) -> bytes:
    """The article as ``fmt`` ("text", "markdown" or "html"), UTF-8."""
    return {"text": as_text, "markdown": as_markdown, "html": as_html}[fmt](sample).encode("utf-8")
