from django.http import HttpResponse


def lmapi(request):
    return HttpResponse("ERROR: NO FUNCTION SPECIFIED\n", content_type="text/plain; charset=utf-8")
