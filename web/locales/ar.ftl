-brand = pollcast
lang-name = العربية
page-title = { $question } · { -brand }
vote = صوّت
you-voted = لقد صوّتّ
change-vote = غيّر صوتي
your-choice = اختيارك: { $choice }
thanks = شكرًا، تم تسجيل صوتك.
sending = جارٍ الإرسال…
choose-option = اختر خيارًا أولًا.
choose-score = اختر تقييمًا أولًا.
choose-exactly = { $min ->
    [one] اختر خيارًا واحدًا.
    [two] اختر خيارين.
    [few] اختر { $min } خيارات.
   *[other] اختر { $min } خيارًا.
}
choose-between = اختر من { $min } إلى { $max } خيارات.
choose-up-to = { $max ->
    [one] اختر خيارًا واحدًا على الأكثر.
    [two] اختر خيارين على الأكثر.
    [few] اختر حتى { $max } خيارات.
   *[other] اختر حتى { $max } خيارًا.
}
ranked-hint = رتّب الخيارات: الأول هو المفضّل لديك. استخدم أزرار الأسهم أو اسحب.
move-up = انقل «{ $label }» إلى الأعلى
move-down = انقل «{ $label }» إلى الأسفل
rank-position = المرتبة { $position }
rating-hint = قيّم من 1 إلى { $max }.
nps-hint = 0 تعني غير مرجّح إطلاقًا، و10 مرجّح جدًا.
score-label = { $score ->
    [one] نجمة واحدة
    [two] نجمتان
    [few] { $score } نجوم
   *[other] { $score } نجمة
} من { $max }
votes = { $count ->
    [zero] لا أصوات
    [one] صوت واحد
    [two] صوتان
    [few] { $count } أصوات
    [many] { $count } صوتًا
   *[other] { $count } صوت
}
watching = { $count ->
    [zero] لا أحد يشاهد
    [one] شخص واحد يشاهد
    [two] شخصان يشاهدان
    [few] { $count } أشخاص يشاهدون
    [many] { $count } شخصًا يشاهدون
   *[other] { $count } شخص يشاهدون
}
share = { $share }٪
average = المتوسط { $mean } من { $max }
runoff-winner = «{ $label }» يفوز بعد { $rounds ->
    [one] الجولة الأولى
    [two] جولتين
    [few] { $rounds } جولات
   *[other] { $rounds } جولة
} من الجولات الفورية.
runoff-tie = تعادل بين { $labels }.
status-draft = مسودة
status-scheduled = مجدول
status-open = مفتوح
status-closed = مغلق
opens-at = يفتح { $time }
live-connecting = جارٍ الاتصال…
live-on = مباشر
live-reconnecting = جارٍ إعادة الاتصال…
live-polling = يتم التحديث كل بضع ثوانٍ
results-after-vote = تظهر النتائج بعد التصويت.
results-after-close = تظهر النتائج عند إغلاق الاستطلاع.
results-private = النتائج خاصة.
results-heading = النتائج
error-already-voted = لقد صوّتّ في هذا الاستطلاع من قبل.
error-poll-closed = هذا الاستطلاع مغلق.
error-poll-not-open = هذا الاستطلاع لم يُفتح بعد.
error-invalid-choice = هذا الاختيار غير صالح لهذا الاستطلاع. يُرجى الاختيار مجددًا.
error-verified-only = لا يقبل هذا الاستطلاع إلا أصوات المستخدمين المسجّلين في الموقع الذي ينشره.
error-busy = الخادم مشغول ولم يُحفظ صوتك. يُرجى المحاولة مجددًا.
error-network = مشكلة في الشبكة: لم يُرسل صوتك. يُرجى المحاولة مجددًا.
error-rate-limited = أصوات كثيرة من اتصالك. يُرجى الانتظار قليلًا.
verifying = جارٍ التحقق من متصفحك…
error-verification = تعذّر التحقق من متصفحك. يُرجى المحاولة مرة أخرى.
error-form-limited = أصوات كثيرة دون JavaScript في هذا الاستطلاع الآن. فعّل JavaScript أو أعد المحاولة بعد دقيقة.
front-title = pollcast: استطلاعات مباشرة يمكن تضمينها في أي مكان
front-lead = يشغّل هذا الخادم pollcast. ينشئ أصحاب المواقع استطلاعًا ويلصقون وسم script واحدًا، فيصوّت الزوار ويتابعون النتائج مباشرة.
front-docs = تضمين استطلاع
front-api = مرجع واجهة البرمجة (OpenAPI)
front-errors = رموز الأخطاء
front-console = استطلاعاتك
front-create = أنشئ استطلاعًا
front-signin = تسجيل الدخول
front-embed = تضمين استطلاع
front-setup = لم يُهيَّأ هذا التثبيت بعد. لإنشاء حسابه الأول، افتح رابط الإعداد لمرة واحدة الذي طبعه pollcast عند بدء تشغيله (الرمز موجود أيضًا في الملف setup-token في مجلد بياناته)، أو شغّل «pollcast user create».
powered-by = صُنع باستخدام { -brand }
not-found = هذا الاستطلاع غير موجود أو ليس عامًا.
rounds-heading = جولات الفرز الفوري
round-line = الجولة { $round }: { $tallies }
round-eliminated = خرج: { $labels }
open-text-hint = { $max ->
    [one] إجابة واحدة
   *[other] حتى { $max } إجابات
}، { $length } حرفًا لكل منها.
entry-label = الإجابة { $n }
send-answers = إرسال
you-answered = شكرًا، وصلت إجاباتك.
entries = { $count ->
    [zero] لا إجابات
    [one] إجابة واحدة
    [two] إجابتان
    [few] { $count } إجابات
   *[other] { $count } إجابة
}
entry-count = { $text }: { $count }
terms-heading = الإجابات الأكثر تكرارًا
terms-empty = لا توجد إجابات لعرضها بعد.
write-entry = اكتب إجابة أولًا.
error-entry = تحتاج كل إجابة إلى كلمة على الأقل، ضمن حد الطول، ودون تكرار أي إجابة.
